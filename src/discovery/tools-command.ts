// `multi-mcp tools [--view NAME] [--json]`: what the tool definitions of each server cost a
// model's context (count, bytes, estimated tokens), in total, and in search mode.
import type { Backend } from '../backends/backend.js';
import type { Router } from '../router/router.js';
import { META_TOOLS } from './meta-tools.js';
import type { View } from './view.js';

/** Tokens are estimated as bytes / 4: the usual ratio for English text and JSON in GPT and Claude tokenizers. */
export const BYTES_PER_TOKEN = 4;

export interface Cost {
  tools: number;
  bytes: number;
  tokens: number;
}

export interface ToolCosts {
  view: string | null;
  mode: string;
  estimate: string;
  servers: (Cost & { name: string; state: string; error?: string })[];
  total: Cost;
  search: Cost & { pinned: number };
}

export function costOf(tools: readonly unknown[]): Cost {
  const bytes = Buffer.byteLength(JSON.stringify(tools));
  return { tools: tools.length, bytes, tokens: Math.ceil(bytes / BYTES_PER_TOKEN) };
}

/** The costs of a view whose backends have started. */
export function toolCosts(router: Router, view: View): ToolCosts {
  const tools = view.tools();
  const byServer = new Map<string, unknown[]>();
  for (const tool of tools) {
    const server = router.catalog.tool(tool.name)?.server ?? '';
    let list = byServer.get(server);
    if (!list) byServer.set(server, (list = []));
    list.push(tool);
  }
  const backends = [...router.registry.list()].filter((b: Backend) => view.allows(b.name));
  const searchList = view.searchList();
  return {
    view: view.name ?? null,
    mode: view.discovery.mode,
    estimate: `tokens ≈ bytes / ${BYTES_PER_TOKEN}`,
    servers: backends.map((b) => ({
      name: b.name,
      state: b.state,
      ...costOf(byServer.get(b.name) ?? []),
      ...(b.state === 'ready' || b.lastError === undefined ? {} : { error: b.lastError }),
    })),
    total: costOf(tools),
    search: { ...costOf(searchList), pinned: searchList.length - META_TOOLS.length },
  };
}

export function formatToolCosts(c: ToolCosts): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const rows: string[][] = [['server', 'state', 'tools', 'bytes', '~tokens']];
  for (const s of c.servers) rows.push([s.name, s.state, n(s.tools), n(s.bytes), n(s.tokens)]);
  rows.push(['total (mode all)', '', n(c.total.tools), n(c.total.bytes), n(c.total.tokens)]);
  rows.push(['search mode', '', n(c.search.tools), n(c.search.bytes), n(c.search.tokens)]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const saved = c.total.bytes > 0 ? Math.round((1 - c.search.bytes / c.total.bytes) * 100) : 0;
  const out = [
    `${c.view === null ? 'root endpoints' : `view "${c.view}"`}: tool discovery mode ${c.mode}`,
    '',
    ...rows.map(line),
    '',
    `search mode lists ${c.search.pinned} pinned tool${c.search.pinned === 1 ? '' : 's'} and search_tools, describe_tools, call_tool` +
      (c.total.bytes > 0 ? `: ${saved} % fewer bytes than listing every tool` : ''),
    `bytes: the JSON of the definitions as tools/list sends them; ${c.estimate} (a rough estimate)`,
  ];
  for (const s of c.servers) if (s.error) out.push(`server "${s.name}" is ${s.state}: ${s.error}`);
  return `${out.join('\n')}\n`;
}
