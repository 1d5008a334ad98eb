#!/bin/sh
# Production start: serves msc/mcp.json (git-ignored; copy msc/mcp.example.json) in HTTP mode.
# Secrets stay in the environment: the config says "${GITHUB_PERSONAL_ACCESS_TOKEN}" and this
# script refuses to start while any variable the config needs is unset or empty.
#
#   cp msc/mcp.example.json msc/mcp.json        # then edit
#   export GITHUB_PERSONAL_ACCESS_TOKEN=... MULTI_MCP_API_KEY=...
#   ./start-server.sh
#
# Environment: MULTI_MCP_API_KEY (required: clients send "Authorization: Bearer <key>"; 16+
# characters, e.g. from `openssl rand -hex 32`), HOST (default 0.0.0.0), PORT (default 8080),
# MULTI_MCP_CONFIG (default msc/mcp.json).
set -eu

cd "$(dirname "$0")"
CONFIG="${MULTI_MCP_CONFIG:-msc/mcp.json}"
HOST="${HOST:-0.0.0.0}"
PORT="${PORT:-8080}"

if [ -z "${MULTI_MCP_API_KEY:-}" ]; then
  echo "start-server.sh: MULTI_MCP_API_KEY is not set; clients must send it as a Bearer token." >&2
  echo '  generate one and keep it: export MULTI_MCP_API_KEY="$(openssl rand -hex 32)"' >&2
  exit 1
fi

if [ ! -f "$CONFIG" ]; then
  echo "start-server.sh: config file not found: $CONFIG" >&2
  echo "  create it from the example: cp msc/mcp.example.json msc/mcp.json" >&2
  exit 1
fi

if [ ! -f dist/src/cli.js ]; then
  echo "start-server.sh: dist/ is missing, building..." >&2
  if [ -d node_modules ]; then npm run build >&2; else npm ci >&2; fi # npm ci builds too (prepare)
fi

# Every variable the enabled servers reference without a default must be set and non-empty.
node --input-type=module - "$CONFIG" <<'EOF'
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const { referencedVariables } = await import(pathToFileURL("dist/src/config/index.js").href);
const file = process.argv[2];
let doc;
try {
  doc = JSON.parse(readFileSync(file, "utf8"));
} catch {
  process.exit(0); // not JSON: the proxy reports it with line and column
}
const servers = Object.entries(doc?.mcpServers ?? {}).filter(([, s]) => s?.disabled !== true);
const missing = referencedVariables(Object.fromEntries(servers), { requiredOnly: true }).filter((name) => !process.env[name]);
if (missing.length > 0) {
  console.error(`start-server.sh: ${file} needs these environment variables, which are not set:`);
  for (const name of missing) {
    const users = servers.filter(([, s]) => referencedVariables(s).includes(name)).map(([n]) => n);
    console.error(`  ${name}  (used by ${users.join(", ")})`);
  }
  console.error(`set them (export ${missing[0]}=...) or mark those servers "disabled": true, then start again.`);
  process.exit(1);
}
EOF

# The proxy itself refuses a short or placeholder key, naming the problem.
exec node dist/src/cli.js --transport sse --host "$HOST" --port "$PORT" --config "$CONFIG"
