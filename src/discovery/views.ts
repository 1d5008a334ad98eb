// Every view of the proxy: the root one (/mcp, /sse, /ws, plain stdio) and the named ones of the
// config. Built from the config object alone, so a reload is one more configure(): views keep
// their identity (and sessions) across it, removed ones are reported, and each view tells its own
// clients when one of its lists really changed.
import type { ListKind } from '../../protocol/mcp.js';
import type { DiscoveryMode, ToolDiscovery, ViewConfig } from '../config/discovery.js';
import type { MergedCatalog } from '../router/aggregate.js';
import { ListChanges } from '../router/list-changes.js';
import { View } from './view.js';

export interface ViewsConfig {
  toolDiscovery: ToolDiscovery;
  views: ViewConfig[];
}

export interface ViewHooks {
  /** A list of `view` changed: tell its sessions. */
  announce(view: View, method: string): void;
  /** `view` is gone from the config: close its sessions. */
  removed(view: View): void;
}

const ALL_KINDS: ListKind[] = ['tools', 'prompts', 'resources', 'resourceTemplates'];

export class Views {
  readonly root: View;
  private readonly named = new Map<string, View>();
  private readonly changes = new Map<View, ListChanges>();
  private started = false;
  /** hold() calls not released yet (a reload in progress): views made meanwhile are held too. */
  private held = 0;
  private indexing: NodeJS.Timeout | undefined;

  constructor(
    private readonly catalog: MergedCatalog,
    private readonly hooks: ViewHooks,
    /** --tool-discovery: wins over the config's top-level mode. */
    private readonly modeOverride?: DiscoveryMode,
  ) {
    this.root = this.add(undefined);
  }

  /** Applies the config's toolDiscovery and views (at start, and again on every reload). */
  configure(config: ViewsConfig): void {
    const top: ToolDiscovery = { ...config.toolDiscovery, mode: this.modeOverride ?? config.toolDiscovery.mode };
    this.root.configure({}, top);
    const wanted = new Set(config.views.map((v) => v.name));
    for (const [name, view] of this.named) {
      if (wanted.has(name)) continue;
      this.named.delete(name);
      this.changes.get(view)?.stop();
      this.changes.delete(view);
      view.removed = true;
      this.hooks.removed(view);
    }
    for (const { name, toolDiscovery, ...filter } of config.views) {
      const view = this.named.get(name) ?? this.add(name);
      view.configure(filter, toolDiscovery ?? top);
    }
    if (this.started) this.note(ALL_KINDS);
  }

  /** A named view, or undefined (the URL then answers 404). */
  get(name: string): View | undefined {
    return this.named.get(name);
  }

  names(): string[] {
    return [...this.named.keys()];
  }

  /** The lists as clients first see them, once the backends have started. */
  baseline(): void {
    this.started = true;
    for (const changes of this.changes.values()) changes.baseline();
    this.prepareIndexes();
  }

  /** The catalog (or a view's config) changed for these kinds: each view announces what differs for it. */
  note(kinds: ListKind[]): void {
    for (const changes of this.changes.values()) changes.note(kinds);
    if (kinds.includes('tools')) this.prepareIndexes();
  }

  /** During a reload: changes are collected, and announced once by release(). */
  hold(): void {
    this.held++;
    for (const changes of this.changes.values()) changes.hold();
  }

  release(): void {
    this.held--;
    for (const changes of this.changes.values()) changes.release();
  }

  stop(): void {
    for (const changes of this.changes.values()) changes.stop();
    clearTimeout(this.indexing);
    this.started = false;
  }

  /**
   * Builds the search index of every search-mode view early, so that the first search_tools does
   * not wait for it (about a second per 10,000 tools). A timer, not setImmediate: answers already
   * queued (the initialize result that started the backends) are written first.
   */
  private prepareIndexes(): void {
    this.indexing ??= setTimeout(() => {
      this.indexing = undefined;
      if (!this.started) return;
      for (const view of this.changes.keys()) if (view.searchMode && !view.removed) view.search();
    }, 0);
  }

  private add(name: string | undefined): View {
    const view = new View(name, this.catalog);
    if (name !== undefined) this.named.set(name, view);
    const changes = new ListChanges((kind) => view.resultJson(kind), (method) => this.hooks.announce(view, method));
    this.changes.set(view, changes);
    if (this.started) changes.baseline();
    for (let i = 0; i < this.held; i++) changes.hold();
    return view;
  }
}
