// The HTTP headers a 2026-07-28 client sends beside each message (MCP-Protocol-Version,
// Mcp-Method, Mcp-Name, Mcp-Param-*), and the `x-mcp-header` schema annotation that names the
// Mcp-Param-* ones. Pure functions; the rules are the spec's (streamable-http.mdx, "Standard
// Headers", "Custom Headers"), walked the way the Python SDK walks them.
import { MetaKey, MODERN_VERSION } from '../../protocol/modern.js';

export const X_MCP_HEADER = 'x-mcp-header';

const HEADER_SAFE = /^[\x20-\x7e]*$/;
const SENTINEL = /^=\?base64\?.*\?=$/s;
/** RFC 9110 token: what a field name may be made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_TYPES: ReadonlySet<string> = new Set(['string', 'integer', 'boolean']);

/** Keywords whose value is one schema, a list of schemas, or a map of schemas (JSON Schema 2020-12 applicators). */
const SUBSCHEMA_ONE: ReadonlySet<string> = new Set(['items', 'contains', 'unevaluatedItems', 'additionalProperties', 'propertyNames', 'unevaluatedProperties', 'not', 'if', 'then', 'else', 'contentSchema']);
const SUBSCHEMA_LIST: ReadonlySet<string> = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SUBSCHEMA_MAP: ReadonlySet<string> = new Set(['patternProperties', 'dependentSchemas', '$defs', 'definitions']);

/**
 * A header value as sent: as is when it is printable ASCII without edge whitespace, otherwise
 * (and when it looks like the sentinel itself) `=?base64?…?=` of its UTF-8 bytes.
 */
export function encodeHeaderValue(value: string): string {
  if (HEADER_SAFE.test(value) && value === value.trim() && !SENTINEL.test(value)) return value;
  return `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** Every schema position: its chain of `properties` keys from the root, or null once another applicator was crossed. `$ref` is never followed. */
function* positions(root: unknown): Generator<[string[] | null, Record<string, unknown>]> {
  const stack: [string[] | null, unknown][] = [[[], root]];
  while (stack.length > 0) {
    const [path, node] = stack.pop()!;
    if (node === null || typeof node !== 'object' || Array.isArray(node)) continue;
    const schema = node as Record<string, unknown>;
    yield [path, schema];
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'properties' && isObject(value)) {
        for (const [name, sub] of Object.entries(value)) stack.push([path && [...path, name], sub]);
      } else if (SUBSCHEMA_ONE.has(key)) {
        stack.push([null, value]);
      } else if (SUBSCHEMA_LIST.has(key) && Array.isArray(value)) {
        for (const sub of value) stack.push([null, sub]);
      } else if (SUBSCHEMA_MAP.has(key) && isObject(value)) {
        for (const sub of Object.values(value)) stack.push([null, sub]);
      }
    }
  }
}

/** Why the `x-mcp-header` annotations of an input schema are invalid, or undefined when they are fine (or absent). */
export function invalidHeaderAnnotation(inputSchema: unknown): string | undefined {
  const seen = new Map<string, string>();
  for (const [path, schema] of positions(inputSchema)) {
    if (!(X_MCP_HEADER in schema)) continue;
    if (!path || path.length === 0) return `${X_MCP_HEADER} is on a schema that is not a property reached through "properties" only`;
    const where = path.join('.');
    const header = schema[X_MCP_HEADER];
    if (typeof header !== 'string') return `property "${where}": ${X_MCP_HEADER} must be a string`;
    if (!TOKEN.test(header)) return `property "${where}": ${X_MCP_HEADER} ${JSON.stringify(header)} is not an HTTP header name token`;
    if (typeof schema.type !== 'string' || !HEADER_TYPES.has(schema.type)) {
      return `property "${where}": ${X_MCP_HEADER} is only allowed on string, integer and boolean properties (type is ${JSON.stringify(schema.type ?? null)})`;
    }
    const lower = header.toLowerCase();
    const other = seen.get(lower);
    if (other !== undefined) return `${X_MCP_HEADER} ${JSON.stringify(header)} on property "${where}" repeats the one on "${other}"`;
    seen.set(lower, where);
  }
  return undefined;
}

/** Property path → header token, for a schema invalidHeaderAnnotation accepted. */
export type HeaderPlan = ReadonlyArray<readonly [path: string[], token: string]>;

const plans = new WeakMap<object, HeaderPlan>();

/** The Mcp-Param-* headers a tool's schema asks for (computed once per schema object). */
export function headerPlan(inputSchema: unknown): HeaderPlan {
  if (!isObject(inputSchema)) return [];
  let plan = plans.get(inputSchema);
  if (!plan) {
    const found: [string[], string][] = [];
    for (const [path, schema] of positions(inputSchema)) {
      if (path && path.length > 0 && typeof schema[X_MCP_HEADER] === 'string') found.push([path, schema[X_MCP_HEADER] as string]);
    }
    plans.set(inputSchema, (plan = found));
  }
  return plan;
}

/** A value as a header carries it: strings as they are, integers in decimal, booleans as true/false; nothing for the rest. */
function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The Mcp-Param-* headers of a tools/call: each annotated argument present and not null. */
export function paramHeaders(plan: HeaderPlan, args: unknown, into: Record<string, string>): void {
  for (const [path, token] of plan) {
    let node: unknown = args;
    for (const key of path) node = isObject(node) ? node[key] : undefined;
    const text = headerText(node);
    if (text !== undefined) into[`Mcp-Param-${token}`] = encodeHeaderValue(text);
  }
}

/**
 * The headers of one 2026-07-28 message: protocol version (the one its `_meta` names), method,
 * and for tools/call, prompts/get and resources/read the name or URI; tools/call also gets the
 * Mcp-Param-* headers of its tool's schema (`inputSchemaOf` looks the backend's tool up).
 */
export function modernHeaders(msg: Record<string, any>, inputSchemaOf?: (tool: string) => unknown): Record<string, string> {
  const params = msg.params;
  const version = params?._meta?.[MetaKey.protocolVersion];
  const headers: Record<string, string> = { 'MCP-Protocol-Version': typeof version === 'string' ? version : MODERN_VERSION };
  if (typeof msg.method !== 'string') return headers;
  headers['Mcp-Method'] = msg.method;
  const name = msg.method === 'resources/read' ? params?.uri : msg.method === 'tools/call' || msg.method === 'prompts/get' ? params?.name : undefined;
  if (typeof name === 'string') headers['Mcp-Name'] = encodeHeaderValue(name);
  if (msg.method === 'tools/call' && typeof name === 'string' && inputSchemaOf) {
    paramHeaders(headerPlan(inputSchemaOf(name)), params?.arguments, headers);
  }
  return headers;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
