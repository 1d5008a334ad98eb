// The part every hand-written Streamable HTTP server in the tests repeats: only POST is served, its
// body is one JSON-RPC message, and a notification or response is acknowledged with 202.
import type * as http from 'node:http';

/** Answers a non-POST 405 and a posted notification or response 202; hands a request to `answer`. */
export function onPostedRequest(req: http.IncomingMessage, res: http.ServerResponse, answer: (msg: any) => void): void {
  if (req.method !== 'POST') return void res.writeHead(405).end();
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const msg = JSON.parse(Buffer.concat(parts).toString('utf8'));
    if (msg.id === undefined) return void res.writeHead(202).end();
    answer(msg);
  });
}
