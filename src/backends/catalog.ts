// A backend's lists (tools, prompts, resources, resource templates), read completely page by page.
import { ListKinds, type ListKind, type Prompt, type Resource, type ResourceTemplate, type Tool } from '../../protocol/mcp.js';

export interface Catalog {
  tools: Tool[];
  prompts: Prompt[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
}

export const ALL_KINDS: ListKind[] = ['tools', 'prompts', 'resources', 'resourceTemplates'];
const MAX_PAGES = 1000;

/** What listing needs from a backend: its capabilities, its tool curation, a way to ask. */
export interface Lister {
  capabilities: Record<string, unknown>;
  tools: { allow?: string[]; deny?: string[] };
  request(method: string, params: Record<string, unknown> | undefined): Promise<unknown>;
  /** The `_meta` and caching hints (2026-07-28) of the list result's first page, or undefined when it has none. */
  meta?(kind: ListKind, meta: Record<string, unknown> | undefined, hints: { ttlMs: number; cacheScope: 'public' | 'private' } | undefined): void;
  /** True for a listed tool that must be left out (e.g. invalid x-mcp-header annotations). */
  reject?(tool: Tool): boolean;
}

export async function listCatalog(lister: Lister): Promise<Catalog> {
  const [tools, prompts, resources, resourceTemplates] = await Promise.all(ALL_KINDS.map((kind) => listAll(lister, kind)));
  return { tools, prompts, resources, resourceTemplates } as Catalog;
}

/** Lists one kind completely, following nextCursor; [] when the server lacks the capability. */
export async function listAll(lister: Lister, kind: ListKind): Promise<any[]> {
  const capability = kind === 'resourceTemplates' ? 'resources' : kind;
  if (!lister.capabilities[capability]) {
    lister.meta?.(kind, undefined, undefined);
    return [];
  }
  const { method, key, schema } = ListKinds[kind];
  const items: any[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  // Servers that list resources often serve no templates (-32601, or a result without them): none.
  const optional = kind === 'resourceTemplates';
  for (let page = 0; page < MAX_PAGES; page++) {
    const asked = lister.request(method, cursor === undefined ? undefined : { cursor });
    const parsed = schema.safeParse(optional && page === 0 ? await asked.catch(() => ({ [key]: [] })) : await asked);
    if (!parsed.success && optional && page === 0) {
      lister.meta?.(kind, undefined, undefined);
      return [];
    }
    if (!parsed.success) throw new Error(`invalid ${method} result: ${parsed.error.issues[0]?.message}`);
    if (page === 0) lister.meta?.(kind, metaOf(parsed.data), hintsOf(parsed.data));
    items.push(...((parsed.data as any)[key] as any[]));
    cursor = parsed.data.nextCursor;
    if (cursor === undefined || cursor === '') return kind === 'tools' ? curate(checked(items, lister), lister.tools) : items;
    if (seen.has(cursor)) throw new Error(`${method} returned the cursor ${JSON.stringify(cursor)} twice`);
    seen.add(cursor);
  }
  throw new Error(`${method} did not end after ${MAX_PAGES} pages`);
}

function checked(tools: Tool[], { reject }: Lister): Tool[] {
  return reject ? tools.filter((tool) => !reject(tool)) : tools;
}

const byName = new WeakMap<Tool[], Map<string, Tool>>();

/** A tool of a catalog by its name (the index is built once per list). */
export function toolNamed(tools: Tool[], name: string): Tool | undefined {
  let index = byName.get(tools);
  if (!index) byName.set(tools, (index = new Map(tools.map((t) => [t.name, t]))));
  return index.get(name);
}

/** The config's tool curation: deny wins over allow. */
function curate(tools: Tool[], { allow, deny }: Lister['tools']): Tool[] {
  if (!allow && !deny) return tools;
  const allowed = allow && new Set(allow);
  const denied = new Set(deny ?? []);
  return tools.filter((t) => (!allowed || allowed.has(t.name)) && !denied.has(t.name));
}

function metaOf(result: Record<string, unknown>): Record<string, unknown> | undefined {
  const meta = result._meta;
  return meta !== null && typeof meta === 'object' && !Array.isArray(meta) ? (meta as Record<string, unknown>) : undefined;
}

function hintsOf(result: Record<string, unknown>): { ttlMs: number; cacheScope: 'public' | 'private' } | undefined {
  if (typeof result.ttlMs !== 'number') return undefined;
  return { ttlMs: Math.max(0, result.ttlMs), cacheScope: result.cacheScope === 'public' ? 'public' : 'private' };
}
