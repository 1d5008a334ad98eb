// Small response helpers shared by the fronts and the admin API: every answer we make
// ourselves is JSON (plain `{error}` for HTTP errors, a JSON-RPC error where a client speaks JSON-RPC).
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { errorResponse, type JsonRpcId } from '../../protocol/jsonrpc.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string, headers?: OutgoingHttpHeaders): void {
  sendJson(res, status, { error: message }, headers);
}

/** An HTTP error for a JSON-RPC endpoint: the body is a JSON-RPC error the client can read. */
export function sendRpcError(
  res: ServerResponse,
  status: number,
  id: JsonRpcId | null,
  code: number,
  message: string,
  headers?: OutgoingHttpHeaders,
): void {
  sendJson(res, status, errorResponse(id, code, message), headers);
}

export function sendEmpty(res: ServerResponse, status: number, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, headers);
  res.end();
}
