// The HTTP baseline: a bare node:http endpoint that answers the bench's JSON-RPC calls itself
// (same JSON shapes as the echo server behind the proxies, JSON responses). Run as a child:
// `node dist/bench/bare-http-server.js`; prints `listening on http://127.0.0.1:<port>` on stderr.
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

function json(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function answer(msg: any): { result: unknown; headers?: Record<string, string> } {
  switch (msg.method) {
    case 'initialize':
      return {
        result: { protocolVersion: msg.params?.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'bare', version: '1.0.0' } },
        headers: { 'Mcp-Session-Id': randomUUID() },
      };
    case 'tools/call':
      return { result: { content: [{ type: 'text', text: String(msg.params?.arguments?.text ?? '') }] } };
    default:
      return { result: {} };
  }
}

const server = createServer((req, res) => {
  if (req.method === 'DELETE') {
    res.writeHead(204);
    return void res.end();
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const msg = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (msg.id === undefined) {
      res.writeHead(202);
      return void res.end();
    }
    const { result, headers } = answer(msg);
    json(res, { jsonrpc: '2.0', id: msg.id, result }, headers);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stderr.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
