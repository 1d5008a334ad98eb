// The status page and its login form: self-contained HTML (inline style and script, no external
// request), under a Content-Security-Policy that allows exactly that style and script by hash.
// The script polls GET /status each second and builds the tables with textContent only, so
// nothing a backend reports (names, errors) can inject markup.
import { createHash } from 'node:crypto';

export const POLL_MS = 1000;

const STYLE = `
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--ok:#12805c;--warn:#b54708;--bad:#c01048;--off:#667085}
@media (prefers-color-scheme:dark){:root{--bg:#0f1218;--card:#171b23;--fg:#e6e8ec;--muted:#98a2b3;--line:#2a303b}}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;flex-wrap:wrap;gap:12px 24px;align-items:baseline;padding:16px 24px;border-bottom:1px solid var(--line);background:var(--card)}
h1{font-size:18px;margin:0}h2{font-size:15px;margin:0 0 8px}.muted{color:var(--muted)}
main{padding:16px 24px;display:grid;gap:16px}section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;overflow-x:auto}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);white-space:nowrap;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.err{white-space:normal;max-width:36em;color:var(--bad)}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;color:#fff;background:var(--off)}
.ready,.ok{background:var(--ok)}.starting,.restarting,.cancelled,.tool_error{background:var(--warn)}.failed,.error,.timeout,.unavailable{background:var(--bad)}
.chips{display:flex;gap:8px;flex-wrap:wrap;margin-bottom:8px}.chip{border:1px solid var(--line);border-radius:999px;padding:2px 10px}
#banner{display:none;padding:8px 24px;background:var(--bad);color:#fff}#banner.show{display:block}
form{display:flex;gap:8px;margin-top:12px}input{font:inherit;padding:6px 10px;border:1px solid var(--line);border-radius:6px;min-width:22em;background:var(--bg);color:var(--fg)}
button{font:inherit;padding:6px 14px;border-radius:6px;border:1px solid var(--line);background:var(--fg);color:var(--card);cursor:pointer}
.login{max-width:32em;margin:10vh auto}.right{margin:0 0 0 auto}.alert{color:var(--bad)}
`;

const SCRIPT = `
const $ = (id) => document.getElementById(id);
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; }
function row(cells) { const tr = document.createElement('tr'); for (const c of cells) tr.append(c); return tr; }
function badge(text) { const td = el('td'); td.append(el('span', text, 'badge ' + text)); return td; }
function num(n) { return el('td', n, 'num'); }
function ago(ms) { const s = Math.max(0, Math.round(ms / 1000)); if (s < 60) return s + ' s'; const m = Math.floor(s / 60); if (m < 60) return m + ' min ' + (s % 60) + ' s'; const h = Math.floor(m / 60); if (h < 48) return h + ' h ' + (m % 60) + ' min'; return Math.floor(h / 24) + ' d ' + (h % 24) + ' h'; }
function fill(id, rows, empty, span) { const body = $(id); body.replaceChildren(...rows); if (!rows.length) { const td = el('td', empty, 'muted'); td.colSpan = span; body.append(row([td])); } }
function render(s) {
  $('version').textContent = 'v' + s.proxy.version + ' · pid ' + s.proxy.pid + ' · up ' + ago(s.proxy.now - s.proxy.startedAt);
  const ready = s.backends.filter((b) => b.state === 'ready').length;
  $('summary').textContent = ready + ' of ' + s.backends.length + ' servers ready · ' + s.sessions.total + ' sessions';
  fill('servers', s.backends.map((b) => {
    const tr = row([el('td', b.name), badge(b.state), el('td', b.transport), el('td', b.url || (b.pid ? 'pid ' + b.pid : '—')),
      el('td', b.protocolVersion ? b.protocolVersion + ' · ' + b.era + ' era' : '—'), el('td', b.server || '—'),
      num(b.tools + ' · ' + b.prompts + ' · ' + (b.resources + b.resourceTemplates)), num(b.restarts), num(b.inFlight),
      el('td', b.readySince ? ago(s.proxy.now - b.readySince) : '—'), el('td', b.lastError || '', 'err')]);
    tr.dataset.server = b.name; tr.dataset.state = b.state; return tr;
  }), 'no servers configured', 11);
  const chips = $('fronts'); chips.replaceChildren(...Object.entries(s.sessions.byFront).map(([f, n]) => el('span', f + ': ' + n, 'chip')));
  if (!chips.children.length) chips.append(el('span', 'no client connected', 'muted'));
  fill('sessions', s.sessions.list.map((x) => row([el('td', x.id), el('td', x.front), el('td', x.client), el('td', x.protocolVersion || '—'), el('td', ago(s.proxy.now - x.openedAt)), num(x.inFlight)])), 'none', 6);
  fill('calls', s.calls.map((c) => row([el('td', new Date(c.time).toLocaleTimeString()), el('td', c.session), el('td', c.name ? c.method + ' ' + c.name : c.method), el('td', c.server), num(c.ms.toFixed(1) + ' ms'), badge(c.outcome), el('td', c.traceId || '')])), 'no calls yet', 7);
}
async function poll() {
  try {
    const res = await fetch('status', { cache: 'no-store', headers: { Accept: 'application/json' } });
    if (res.status === 401) { location.reload(); return; }
    if (!res.ok) throw new Error('HTTP ' + res.status);
    render(await res.json());
    $('banner').classList.remove('show');
    document.body.dataset.updated = String(Date.now());
  } catch (e) {
    $('banner').textContent = 'Cannot reach the proxy (' + e.message + '); retrying…';
    $('banner').classList.add('show');
  }
  setTimeout(poll, ${POLL_MS});
}
poll();
`;

function hash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

/** Only the inline style and script above; fetches to this origin; forms post here only; never framed. */
export const PAGE_CSP =
  `default-src 'none'; style-src ${hash(STYLE)}; script-src ${hash(SCRIPT)}; connect-src 'self'; ` +
  `img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

function document(title: string, body: string, script: boolean): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${title}</title><style>${STYLE}</style></head><body>${body}${script ? `<script>${SCRIPT}</script>` : ''}</body></html>`
  );
}

/** `logout`: a key is configured, so there is a login to end. */
export function statusPage(logout: boolean): string {
  const table = (id: string, heads: string[]) =>
    `<table><thead><tr>${heads.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody id="${id}"></tbody></table>`;
  return document(
    'multi-mcp status',
    `<header><h1>multi-mcp</h1><span id="summary" class="muted">loading…</span><span id="version" class="muted"></span>` +
      (logout ? `<form method="post" action="logout" class="right"><button type="submit">Log out</button></form>` : '') +
      `</header>` +
      `<div id="banner" role="alert"></div><main>` +
      `<section><h2>Servers</h2>${table('servers', ['Server', 'State', 'Transport', 'Process / URL', 'Protocol', 'Implementation', 'Tools · prompts · resources', 'Restarts', 'In flight', 'Up', 'Last error'])}</section>` +
      `<section><h2>Sessions</h2><div id="fronts" class="chips"></div>${table('sessions', ['Session', 'Front', 'Client', 'Protocol', 'Open for', 'In flight'])}</section>` +
      `<section><h2>Recent calls</h2>${table('calls', ['Time', 'Session', 'Call', 'Server', 'Duration', 'Outcome', 'Trace'])}</section>` +
      `</main>`,
    true,
  );
}

/** The login form; `failed`: the key just given was wrong. */
export function loginPage(failed: boolean): string {
  return document(
    'multi-mcp — log in',
    `<main class="login"><section><h1>multi-mcp</h1>` +
      `<p class="muted">This proxy requires its API key (<code>MULTI_MCP_API_KEY</code>) to show its status.</p>` +
      (failed ? `<p role="alert" class="alert">That key is not the proxy's key.</p>` : '') +
      `<form method="post" action="login"><input type="password" name="key" autocomplete="current-password" ` +
      `placeholder="API key" aria-label="API key" required autofocus><button type="submit">Log in</button></form>` +
      `</section></main>`,
    false,
  );
}
