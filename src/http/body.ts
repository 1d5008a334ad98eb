// Reads a POSTed JSON body with the limits every endpoint shares: media type (415),
// size (413, checked on Content-Length first, then while reading) and syntax (400).
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../protocol/jsonrpc.js';
import { sendError, sendRpcError } from './respond.js';

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export type BodyOutcome =
  | { ok: true; value: unknown }
  | { ok: false; status: 400 | 413 | 415; message: string; parseError?: boolean }
  /** The client went away while sending: nothing to answer. */
  | { ok: false; status: 0; message: string };

export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(';', 1)[0].trim().toLowerCase() === 'application/json';
}

export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyOutcome> {
  if (!isJsonContentType(req.headers['content-type'])) {
    const given = JSON.stringify(req.headers['content-type'] ?? '');
    return { ok: false, status: 415, message: `Content-Type must be application/json, got ${given}` };
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(req, maxBytes);
  const raw = await readRaw(req, maxBytes);
  if (raw === 'too-large') return tooLarge(req, maxBytes);
  if (raw === 'aborted') return { ok: false, status: 0, message: 'request aborted' };
  if (!isUtf8(raw)) return { ok: false, status: 400, message: 'Parse error: body is not valid UTF-8', parseError: true };
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch (e) {
    return { ok: false, status: 400, message: `Parse error: ${(e as Error).message}`, parseError: true };
  }
}

function tooLarge(req: IncomingMessage, maxBytes: number): BodyOutcome {
  req.resume(); // discard the rest; the response closes the connection
  return { ok: false, status: 413, message: `request body larger than ${maxBytes} bytes` };
}

export function readRaw(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: Buffer | 'too-large' | 'aborted') => {
      if (done) return;
      done = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) return finish('too-large');
      chunks.push(chunk);
    });
    req.on('end', () => finish(Buffer.concat(chunks, size)));
    req.on('error', () => finish('aborted'));
    req.on('close', () => finish('aborted'));
  });
}

/** Answers a body that could not be read: a JSON-RPC error body for MCP endpoints, `{error}` otherwise. */
export function rejectBody(res: ServerResponse, outcome: Extract<BodyOutcome, { ok: false }>, jsonRpc: boolean): void {
  if (outcome.status === 0) return; // the client is gone
  const headers = outcome.status === 413 ? { Connection: 'close' } : {};
  if (!jsonRpc) return sendError(res, outcome.status, outcome.message, headers);
  const code = outcome.parseError ? ErrorCode.ParseError : ErrorCode.InvalidRequest;
  sendRpcError(res, outcome.status, null, code, outcome.message, headers);
}
