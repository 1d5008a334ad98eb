// JSON-RPC 2.0 envelope as MCP uses it: shapes, error codes, and a cheap classifier.
// The classifier is hand-written (not zod) because it runs on every message of the hot path.

export type JsonRpcId = string | number;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, any>;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, any>;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  result?: any;
  error?: JsonRpcErrorObject;
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP SDK convention: the connection to the peer closed. */
  ConnectionClosed: -32000,
  /** MCP SDK convention: the request timed out. */
  RequestTimeout: -32001,
  /** MCP: resources/read of an unknown URI. */
  ResourceNotFound: -32002,
} as const;

export type MessageKind = 'request' | 'notification' | 'response';

export function isValidId(id: unknown): id is JsonRpcId {
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

/**
 * Classifies a parsed JSON value. Returns a reason string when the value is not a
 * JSON-RPC 2.0 message (the caller answers -32600 with it).
 */
export function classify(value: unknown): MessageKind | { invalid: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { invalid: Array.isArray(value) ? 'JSON-RPC batches are not supported by MCP' : 'message must be a JSON object' };
  }
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return { invalid: 'jsonrpc must be "2.0"' };
  if (typeof m.method === 'string') {
    if (m.params !== undefined && (typeof m.params !== 'object' || m.params === null || Array.isArray(m.params))) {
      return { invalid: 'params must be an object' };
    }
    if (!('id' in m)) return 'notification';
    return isValidId(m.id) ? 'request' : { invalid: 'id must be a string or a number' };
  }
  if ('method' in m) return { invalid: 'method must be a string' };
  if ('result' in m || 'error' in m) {
    if (m.id !== null && !isValidId(m.id)) return { invalid: 'id must be a string or a number' };
    if ('error' in m) {
      const e = m.error as Record<string, unknown> | null;
      if (typeof e !== 'object' || e === null || typeof e.code !== 'number' || typeof e.message !== 'string') {
        return { invalid: 'error must be an object with a numeric code and a string message' };
      }
    }
    return 'response';
  }
  return { invalid: 'message has neither method nor result/error' };
}

/** The id of a request, whatever it was, for answering an invalid one (null when unusable). */
export function idOf(value: unknown): JsonRpcId | null {
  const id = (value as { id?: unknown } | null)?.id;
  return isValidId(id) ? id : null;
}

export function errorResponse(id: JsonRpcId | null, code: number, message: string, data?: unknown): JsonRpcResponse {
  const error: JsonRpcErrorObject = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: '2.0', id, error };
}

export function resultResponse(id: JsonRpcId, result: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, result };
}

export function notification(method: string, params?: Record<string, any>): JsonRpcNotification {
  return params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
}
