// The searchable form of a view's tools: what each field of a definition weighs in the ranking,
// and the short summary search_tools returns per hit.
import type { Tool } from '../../protocol/mcp.js';
import { Ranker, type Field } from './ranker.js';

/** Field weights: the name says most, a parameter's description least; naming the service is a strong hint. */
const WEIGHT = { name: 3, title: 2, description: 1, server: 2, paramName: 1, paramDescription: 0.5 } as const;

/** search_tools gives a summary; describe_tools the full definition. */
const SUMMARY_CHARS = 300;

export interface SearchHit {
  name: string;
  title?: string;
  description: string;
  server: string;
  score: number;
}

export class ToolIndex {
  private readonly ranker: Ranker;
  private readonly servers: string[];
  private readonly byName = new Map<string, Tool>();

  /** `ownerOf`: a tool's server and original name (an exposed name may be shortened with a hash). */
  constructor(
    private readonly tools: readonly Tool[],
    ownerOf: (name: string) => { server: string; original: string } | undefined,
  ) {
    const owners = tools.map((t) => ownerOf(t.name) ?? { server: '', original: t.name });
    this.servers = owners.map((o) => o.server);
    this.ranker = new Ranker(tools.map((t, i) => fieldsOf(t, owners[i].original, owners[i].server)));
    for (const t of tools) this.byName.set(t.name, t);
  }

  /** A listed tool's definition by exposed name. */
  definition(name: string): Tool | undefined {
    return this.byName.get(name);
  }

  get size(): number {
    return this.tools.length;
  }

  search(query: string, limit: number): SearchHit[] {
    return this.ranker.search(query, limit).map(({ doc, score }) => {
      const tool = this.tools[doc];
      const title = titleOf(tool);
      return {
        name: tool.name,
        ...(title === undefined ? {} : { title }),
        description: summary(tool.description),
        server: this.servers[doc],
        score: Math.round(score * 1000) / 1000,
      };
    });
  }
}

function fieldsOf(tool: Tool, original: string, server: string): Field[] {
  const field = (key: keyof typeof WEIGHT, text: string) => fields.push({ key, text, weight: WEIGHT[key] });
  const fields: Field[] = [];
  field('name', original);
  field('server', server);
  const title = titleOf(tool);
  if (title) field('title', title);
  if (typeof tool.description === 'string') field('description', tool.description);
  const properties = (tool.inputSchema as { properties?: unknown } | undefined)?.properties;
  if (properties && typeof properties === 'object') {
    for (const [param, schema] of Object.entries(properties)) {
      field('paramName', param);
      const description = (schema as { description?: unknown } | null)?.description;
      if (typeof description === 'string') field('paramDescription', description);
    }
  }
  return fields;
}

export function titleOf(tool: Tool): string | undefined {
  const title = tool.title ?? (tool.annotations as { title?: unknown } | undefined)?.title;
  return typeof title === 'string' ? title : undefined;
}

/** The description up to SUMMARY_CHARS, cut at a word. */
function summary(description: unknown): string {
  if (typeof description !== 'string') return '';
  const text = description.trim().replace(/\s+/g, ' ');
  if (text.length <= SUMMARY_CHARS) return text;
  const cut = text.slice(0, SUMMARY_CHARS);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), SUMMARY_CHARS / 2))}…`;
}
