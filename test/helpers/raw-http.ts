// One HTTP request with full control of the headers (fetch cannot set Host), for the Host and
// Origin checks. Resolves with the status, headers and body text.
import { request, type IncomingHttpHeaders } from 'node:http';

export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function rawRequest(url: string, method: string, headers: Record<string, string>, body?: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      // A stream (GET /sse) never ends by itself: its status and first bytes are enough.
      if (/text\/event-stream/.test(String(res.headers['content-type']))) {
        resolve({ status: res.statusCode!, headers: res.headers, body: '' });
        return void res.destroy();
      }
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}
