// The floor of a merged tools/list: a stdio server that has the very bytes ready (the proxy's
// own merged answer, read from a file) and writes them with the request's id, over one pipe. The
// proxy answers from its cache too, so what it takes beyond this is its own. Answers initialize
// and tools/list; ignores everything else.
//   node dist/bench/ready-list-server.js RESULT.json
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const result = readFileSync(process.argv[2], 'utf8');
const INIT = JSON.stringify({ protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'ready-list', version: '1' } });

createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line) as { id?: unknown; method?: string };
  if (msg.id === undefined) return;
  const body = msg.method === 'tools/list' ? result : msg.method === 'initialize' ? INIT : '{}';
  process.stdout.write(`{"jsonrpc":"2.0","id":${JSON.stringify(msg.id)},"result":${body}}\n`);
});
