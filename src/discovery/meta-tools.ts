// The three meta-tools of search mode. search_tools and describe_tools are answered here from
// the view's index; call_tool is not a second call path: its request is rewritten into the direct
// tools/call of the named tool, which the router then routes like any other call.
import type { JsonRpcRequest } from '../../protocol/jsonrpc.js';
import type { Tool } from '../../protocol/mcp.js';
import type { View } from './view.js';

export const SEARCH_TOOLS = 'search_tools';
export const DESCRIBE_TOOLS = 'describe_tools';
export const CALL_TOOL = 'call_tool';
export const DEFAULT_LIMIT = 8;
export const MAX_LIMIT = 50;

export interface ToolResult {
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

const readOnly = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };
const names = { type: 'array', items: { type: 'string' } };

/** Kept short: in search mode these three are most of what tools/list costs a model's context. */
export const META_TOOLS: Tool[] = [
  {
    name: SEARCH_TOOLS,
    title: 'Search tools',
    description:
      'Find tools for a task among all tools of this server (most are not listed). Describe the task in plain words; ' +
      `returns matching tool names, best first. Then use ${DESCRIBE_TOOLS} for their input schemas and ${CALL_TOOL} to run one.`,
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'what you want to do, e.g. "open a pull request"' },
        limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
      },
      required: ['query'],
    },
    outputSchema: {
      type: 'object',
      properties: {
        tools: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              title: { type: 'string' },
              description: { type: 'string' },
              server: { type: 'string' },
              score: { type: 'number' },
            },
            required: ['name', 'description', 'server', 'score'],
          },
        },
      },
      required: ['tools'],
    },
    annotations: readOnly,
  },
  {
    name: DESCRIBE_TOOLS,
    title: 'Describe tools',
    description: `Full definitions (input and output schema, annotations) of tools named by ${SEARCH_TOOLS}; unknown names are listed in "unknown".`,
    inputSchema: { type: 'object', properties: { names: { ...names, minItems: 1 } }, required: ['names'] },
    outputSchema: {
      type: 'object',
      properties: { tools: { type: 'array', items: { type: 'object' } }, unknown: names },
      required: ['tools', 'unknown'],
    },
    annotations: readOnly,
  },
  {
    name: CALL_TOOL,
    title: 'Call a tool',
    description: `Run a tool found with ${SEARCH_TOOLS}, with arguments matching its input schema. Returns that tool's own result.`,
    inputSchema: {
      type: 'object',
      properties: { name: { type: 'string' }, arguments: { type: 'object' } },
      required: ['name'],
    },
  },
];

const META_NAMES = new Set(META_TOOLS.map((t) => t.name));

export function isMetaTool(name: unknown): boolean {
  return typeof name === 'string' && META_NAMES.has(name);
}

/** The definition fields describe_tools returns. */
const DEFINITION_KEYS = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;

/** See View.answerMeta. `msg` is a tools/call of a meta-tool. */
export function callMetaTool(view: View, msg: JsonRpcRequest): ToolResult | undefined {
  for (;;) {
    const params = msg.params!;
    const args: unknown = params.arguments ?? {};
    if (!isObject(args)) return failure(`${params.name}: "arguments" must be an object`);
    switch (params.name) {
      case SEARCH_TOOLS:
        return searchTools(view, args);
      case DESCRIBE_TOOLS:
        return describeTools(view, args);
      case CALL_TOOL: {
        const target = args.name;
        if (typeof target !== 'string' || target === '') {
          return failure(`${CALL_TOOL} needs "name": a tool name from ${SEARCH_TOOLS}`);
        }
        if (args.arguments !== undefined && !isObject(args.arguments)) {
          return failure(`${CALL_TOOL}: "arguments" of ${target} must be an object`);
        }
        if (!isMetaTool(target) && !view.tool(target)) {
          return failure(`Unknown tool "${target}". Use ${SEARCH_TOOLS} to find the names of the tools that exist.`);
        }
        const { name: _name, arguments: _args, ...rest } = params; // _meta (progress token), task, …
        msg.params = { ...rest, name: target, ...(args.arguments === undefined ? {} : { arguments: args.arguments }) };
        if (!isMetaTool(target)) return undefined;
        continue; // call_tool of a meta-tool: answer that one
      }
      default:
        return undefined;
    }
  }
}

function searchTools(view: View, args: Record<string, unknown>): ToolResult {
  const { query, limit = DEFAULT_LIMIT } = args;
  if (typeof query !== 'string' || query.trim() === '') {
    return failure(`${SEARCH_TOOLS} needs a non-empty "query": the task in plain words, e.g. "send a message to a channel"`);
  }
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    return failure(`${SEARCH_TOOLS}: "limit" must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  const tools = view.search().search(query, Math.min(limit, MAX_LIMIT));
  const lines = tools.map((t) => {
    const head = `${t.name}${t.title ? ` — ${t.title}` : ''} (server ${t.server}, score ${t.score})`;
    return t.description ? `${head}\n  ${t.description}` : head;
  });
  const text = tools.length
    ? `${tools.length} tool${tools.length > 1 ? 's' : ''} for "${query}", best first:\n${lines.join('\n')}`
    : `No tool matches "${query}". Try other words: the service, the object or the action.`;
  return { content: [{ type: 'text', text }], structuredContent: { tools } };
}

function describeTools(view: View, args: Record<string, unknown>): ToolResult {
  const { names } = args;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) {
    return failure(`${DESCRIBE_TOOLS} needs "names": a non-empty array of tool names from ${SEARCH_TOOLS}`);
  }
  const index = view.search();
  const tools: Record<string, unknown>[] = [];
  const unknown: string[] = [];
  for (const name of names as string[]) {
    const tool = index.definition(name);
    if (!tool) {
      unknown.push(name);
      continue;
    }
    const definition: Record<string, unknown> = {};
    for (const key of DEFINITION_KEYS) if (tool[key] !== undefined) definition[key] = tool[key];
    tools.push(definition);
  }
  const structuredContent = { tools, unknown };
  return { content: [{ type: 'text', text: JSON.stringify(structuredContent) }], structuredContent };
}

function failure(text: string): ToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
