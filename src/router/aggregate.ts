// The merged view of every ready backend's lists, with the maps that route calls back:
// exposed tool/prompt name → (server, original name); resource URI and templates → server.
// Rebuilt per kind only when a backend's list changed, so list requests are served from memory.
import { ListKinds, type ListKind, type Prompt, type Resource, type ResourceTemplate, type Tool } from '../../protocol/mcp.js';
import { mergedMeta } from './capabilities.js';
import type { Backend } from '../backends/backend.js';
import { NameTable, type NamingOptions, type Owner } from './names.js';
import { compileUriTemplate } from './uri-template.js';

interface TemplateOwner {
  server: string;
  uriTemplate: string;
  pattern: RegExp;
}

export class MergedCatalog {
  tools: Tool[] = [];
  prompts: Prompt[] = [];
  resources: Resource[] = [];
  resourceTemplates: ResourceTemplate[] = [];
  private toolNames: NameTable;
  private promptNames: NameTable;
  private resourceOwners = new Map<string, string>();
  private templateOwners: TemplateOwner[] = [];
  private readonly dirty = new Set<ListKind>(['tools', 'prompts', 'resources', 'resourceTemplates']);
  /** Each merged list result serialized once per rebuild: a list answer then costs a string concatenation. */
  private readonly json = new Map<ListKind, string>();
  /** The backends' list `_meta`, merged per kind (see mergedMeta). */
  private readonly metas = new Map<ListKind, Record<string, unknown> | undefined>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly backends: () => Iterable<Backend>,
    private readonly naming: NamingOptions,
    private readonly warn: (message: string) => void,
  ) {
    this.toolNames = new NameTable(naming, 'tool');
    this.promptNames = new NameTable(naming, 'prompt');
  }

  invalidate(kinds: Iterable<ListKind>): void {
    for (const kind of kinds) this.dirty.add(kind);
  }

  list(kind: ListKind): readonly unknown[] {
    this.refresh(kind);
    return this[kind];
  }

  /** The `_meta` the backends put on their list results of this kind, merged. */
  meta(kind: ListKind): Record<string, unknown> | undefined {
    this.refresh(kind);
    return this.metas.get(kind);
  }

  /** The merged list result's fields as JSON text (`"tools":[...]` and `"_meta":{...}`), cached until the list changes. */
  resultJson(kind: ListKind): string {
    this.refresh(kind);
    let text = this.json.get(kind);
    if (text === undefined) {
      const meta = this.metas.get(kind);
      text = `${JSON.stringify(ListKinds[kind].key)}:${JSON.stringify(this[kind])}${meta ? `,"_meta":${JSON.stringify(meta)}` : ''}`;
      this.json.set(kind, text);
    }
    return text;
  }

  tool(name: string): Owner | undefined {
    this.refresh('tools');
    return this.toolNames.get(name);
  }

  prompt(name: string): Owner | undefined {
    this.refresh('prompts');
    return this.promptNames.get(name);
  }

  /** Every listed tool with its owner (for the admin API). */
  toolOwners(): { name: string; server: string; original: string }[] {
    this.refresh('tools');
    return this.tools.map(({ name }) => ({ name, ...this.toolNames.get(name)! }));
  }

  /** The server for a URI: listed exactly, else the first template that matches. */
  resourceServer(uri: string): string | undefined {
    this.refresh('resources');
    this.refresh('resourceTemplates');
    return this.resourceOwners.get(uri) ?? this.templateOwners.find((t) => t.pattern.test(uri))?.server;
  }

  /** The server owning a resource template, by its exact uriTemplate string (completion refs). */
  templateServer(uriTemplate: string): string | undefined {
    this.refresh('resourceTemplates');
    return this.templateOwners.find((t) => t.uriTemplate === uriTemplate)?.server;
  }

  private ready(): Backend[] {
    return [...this.backends()].filter((b) => b.listed);
  }

  private refresh(kind: ListKind): void {
    if (!this.dirty.delete(kind)) return;
    this.json.delete(kind);
    const backends = this.ready();
    this.metas.set(kind, mergedMeta(backends.map((b) => b.listMeta?.[kind])));
    switch (kind) {
      case 'tools':
        this.toolNames = new NameTable(this.naming, 'tool');
        this.tools = exposeAll([...this.backends()], 'tools', this.toolNames);
        this.report(this.toolNames.problems);
        break;
      case 'prompts':
        this.promptNames = new NameTable(this.naming, 'prompt');
        this.prompts = exposeAll([...this.backends()], 'prompts', this.promptNames);
        this.report(this.promptNames.problems);
        break;
      case 'resources': {
        const owners = new Map<string, string>();
        this.resources = [];
        for (const b of backends) {
          for (const r of b.catalog.resources) {
            const holder = owners.get(r.uri);
            if (holder !== undefined) {
              this.report([`resource ${r.uri} is listed by servers "${holder}" and "${b.name}"; "${holder}" serves it`]);
              continue;
            }
            owners.set(r.uri, b.name);
            this.resources.push(r);
          }
        }
        this.resourceOwners = owners;
        break;
      }
      case 'resourceTemplates':
        this.templateOwners = [];
        this.resourceTemplates = [];
        for (const b of backends) {
          for (const t of b.catalog.resourceTemplates) {
            this.templateOwners.push({ server: b.name, uriTemplate: t.uriTemplate, pattern: compileUriTemplate(t.uriTemplate) });
            this.resourceTemplates.push(t);
          }
        }
        break;
    }
  }

  /** Logs each naming problem once, not on every rebuild. */
  private report(problems: string[]): void {
    for (const p of problems) {
      if (this.reported.has(p)) continue;
      this.reported.add(p);
      this.warn(p);
    }
  }
}

/**
 * Names every known item, listed or not: a backend that is restarting keeps its names (so they
 * stay stable and a call gets "server is restarting", not "unknown tool"), but only ready
 * backends' items are listed.
 */
function exposeAll<T extends { name: string }>(backends: Backend[], kind: 'tools' | 'prompts', table: NameTable): T[] {
  const out: T[] = [];
  for (const b of backends) {
    const listed = b.listed;
    for (const item of b.catalog[kind] as unknown as T[]) {
      const name = table.add(b.name, item.name);
      if (name !== undefined && listed) out.push(name === item.name ? item : { ...item, name });
    }
  }
  return out;
}

/** Opaque list cursors: the offset of the next page, base64url-encoded. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

export function decodeCursor(cursor: unknown): number | undefined {
  if (typeof cursor !== 'string') return undefined;
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString());
  return m ? Number(m[1]) : undefined;
}
