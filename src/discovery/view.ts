// What one endpoint shows: a subset of the merged catalog (servers, tool globs) in one discovery
// mode. Every connection to the endpoint sees the same lists (the 2026-07-28 revision forbids
// lists that vary per connection), so the filtered lists and the search index are cached per
// view and rebuilt only when the catalog or the view's config changed.
import type { JsonRpcRequest } from '../../protocol/jsonrpc.js';
import { ListKinds, type ListKind, type Tool } from '../../protocol/mcp.js';
import type { ToolDiscovery, ViewConfig } from '../config/discovery.js';
import type { MergedCatalog } from '../router/aggregate.js';
import type { Owner } from '../router/names.js';
import { globMatcher, type NameMatcher } from './glob.js';
import { callMetaTool, isMetaTool, META_TOOLS, type ToolResult } from './meta-tools.js';
import { ToolIndex } from './tool-index.js';

type Item = { name?: string; uri?: string; uriTemplate?: string };

interface Cached {
  /** The catalog's list this was derived from (catalog lists are new arrays after each rebuild). */
  source: readonly unknown[];
  items: readonly unknown[];
  json?: string;
}

export class View {
  discovery: ToolDiscovery = { mode: 'all', pinned: [] };
  /** Set when hot reload dropped the view: its sessions are closed, its URLs answer 404. */
  removed = false;
  private servers: Set<string> | undefined;
  private included: NameMatcher | undefined;
  private excluded: NameMatcher | undefined;
  private pinned: NameMatcher = () => false;
  private readonly cache = new Map<ListKind, Cached>();
  private viewTools: Cached | undefined;
  /** Server and glob verdicts by exposed name, valid for one catalog tools list. */
  private readonly admitted = new Map<string, boolean>();
  private admittedSource: readonly unknown[] | undefined;
  private index: { source: readonly unknown[]; index: ToolIndex } | undefined;

  /** `name` undefined: the root endpoints (/mcp, /sse, /ws, plain stdio). */
  constructor(
    readonly name: string | undefined,
    private readonly catalog: MergedCatalog,
  ) {}

  configure(filter: Omit<ViewConfig, 'name' | 'toolDiscovery'>, discovery: ToolDiscovery): void {
    this.servers = filter.servers && new Set(filter.servers);
    this.included = filter.include && globMatcher(filter.include);
    this.excluded = filter.exclude && globMatcher(filter.exclude);
    this.discovery = discovery;
    this.pinned = globMatcher(discovery.pinned);
    this.cache.clear();
    this.viewTools = undefined;
    this.admitted.clear();
    this.index = undefined;
  }

  get label(): string {
    return this.name === undefined ? 'the root endpoints' : `view "${this.name}"`;
  }

  get searchMode(): boolean {
    return this.discovery.mode === 'search';
  }

  /** Whether the view shows this server's items. */
  allows(server: string): boolean {
    return this.servers === undefined || this.servers.has(server);
  }

  /** The owner of any tool of the view, listed or not (search mode lists few, but all are callable). */
  tool(name: string): Owner | undefined {
    const owner = this.catalog.tool(name);
    return owner && this.admits(name, owner.server) ? owner : undefined;
  }

  prompt(name: string): Owner | undefined {
    const owner = this.catalog.prompt(name);
    return owner && this.allows(owner.server) ? owner : undefined;
  }

  /** What tools/list (and the other lists) answer on this view's endpoints. */
  list(kind: ListKind): readonly unknown[] {
    return this.cached(kind).items;
  }

  /** The list result's fields as JSON text (`"tools":[...]`, and the backends' `"_meta"`), cached. */
  resultJson(kind: ListKind): string {
    if (this.unfiltered(kind)) return this.catalog.resultJson(kind);
    const entry = this.cached(kind);
    if (entry.json === undefined) {
      const meta = this.catalog.meta(kind);
      entry.json = `${JSON.stringify(ListKinds[kind].key)}:${JSON.stringify(entry.items)}${meta ? `,"_meta":${JSON.stringify(meta)}` : ''}`;
    }
    return entry.json;
  }

  /** Every tool of the view, whatever the mode (what search_tools searches). */
  tools(): readonly Tool[] {
    const source = this.catalog.list('tools');
    if (!this.filtersTools) return source as Tool[];
    if (this.viewTools?.source !== source) this.viewTools = { source, items: this.filtered('tools', source) };
    return this.viewTools.items as Tool[];
  }

  /** The tool index, rebuilt when the view's tools changed. */
  search(): ToolIndex {
    const tools = this.tools();
    if (this.index?.source !== tools) {
      this.index = { source: tools, index: new ToolIndex(tools, (name) => this.catalog.tool(name)) };
    }
    return this.index.index;
  }

  /**
   * In search mode, answers a tools/call of search_tools or describe_tools, and rewrites a call_tool
   * in place into the direct tools/call it stands for (so it takes the normal path: progress,
   * cancellation, sampling, elicitation and roots work as for any call). Returns the result to
   * send, or undefined when `msg` is to be routed as a direct call.
   */
  answerMeta(msg: JsonRpcRequest): ToolResult | undefined {
    if (!this.searchMode || !isMetaTool(msg.params?.name)) return undefined;
    return callMetaTool(this, msg);
  }

  private get filtersTools(): boolean {
    return this.servers !== undefined || this.included !== undefined || this.excluded !== undefined;
  }

  private unfiltered(kind: ListKind): boolean {
    return kind === 'tools' ? !this.searchMode && !this.filtersTools : this.servers === undefined;
  }

  private cached(kind: ListKind): Cached {
    const source = this.catalog.list(kind);
    if (this.unfiltered(kind)) return { source, items: source };
    let entry = this.cache.get(kind);
    if (entry?.source !== source) {
      const items = kind !== 'tools' ? this.filtered(kind, source) : this.searchMode ? this.searchList() : this.tools();
      entry = { source, items };
      this.cache.set(kind, entry);
    }
    return entry;
  }

  /** Search mode's tools/list: the pinned tools, then the three meta-tools (whatever the mode now). */
  searchList(): Tool[] {
    const pinned = this.tools().filter((t) => this.pinned(t.name) && !isMetaTool(t.name));
    return [...pinned, ...META_TOOLS];
  }

  private filtered(kind: ListKind, source: readonly unknown[]): readonly unknown[] {
    return (source as Item[]).filter((item) => {
      const server = this.serverOf(kind, item);
      if (server === undefined) return false;
      return kind === 'tools' ? this.admits(item.name!, server) : this.allows(server);
    });
  }

  private serverOf(kind: ListKind, item: Item): string | undefined {
    switch (kind) {
      case 'tools':
        return this.catalog.tool(item.name!)?.server;
      case 'prompts':
        return this.catalog.prompt(item.name!)?.server;
      case 'resources':
        return this.catalog.resourceServer(item.uri!);
      case 'resourceTemplates':
        return this.catalog.templateServer(item.uriTemplate!);
    }
  }

  /** Server and tool globs; remembered per name, since calls ask on the hot path. */
  private admits(name: string, server: string): boolean {
    if (!this.filtersTools) return true;
    const source = this.catalog.list('tools');
    if (this.admittedSource !== source) {
      this.admitted.clear();
      this.admittedSource = source;
    }
    let ok = this.admitted.get(name);
    if (ok === undefined) {
      ok = this.allows(server) && (this.included?.(name) ?? true) && !(this.excluded?.(name) ?? false);
      this.admitted.set(name, ok);
    }
    return ok;
  }
}
