// The raw client of the stdio scenarios: NDJSON over a child's stdin/stdout, one promise per
// request, writes batched per microtask. The same code drives the direct baseline and the proxy.
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Waiters } from './waiters.js';

export interface RpcClient {
  request(method: string, params?: unknown): Promise<any>;
  notify(method: string, params?: unknown): void;
  close(): Promise<void>;
}

export class NdjsonClient implements RpcClient {
  private readonly waiters = new Waiters();
  private queue: string[] = [];
  private scheduled = false;
  private parts: Buffer[] = [];
  /** When the last answer's final byte arrived (before parsing it): the server's latency ends there. */
  lastAnswerAt = 0;

  constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    child.once('exit', () => this.waiters.failAll(new Error('process exited')));
    child.stdin!.on('error', () => {});
  }

  request(method: string, params?: unknown): Promise<any> {
    const { id, answer } = this.waiters.add();
    this.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return answer;
  }

  notify(method: string, params?: unknown): void {
    this.write(JSON.stringify(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params }));
  }

  /** initialize + notifications/initialized; returns the initialize result. */
  async initialize(): Promise<any> {
    const result = await this.request('initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'bench', version: '1.0.0' },
    });
    this.notify('notifications/initialized');
    return result;
  }

  async close(): Promise<void> {
    this.child.stdin!.end();
  }

  private write(line: string): void {
    this.queue.push(line);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      const data = this.queue.join('\n') + '\n';
      this.queue = [];
      this.child.stdin!.write(data);
    });
  }

  private onData(chunk: Buffer): void {
    const now = performance.now();
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        if (start < chunk.length) this.parts.push(chunk.subarray(start));
        return;
      }
      let line = chunk.subarray(start, nl);
      if (this.parts.length > 0) {
        this.parts.push(line);
        line = Buffer.concat(this.parts);
        this.parts = [];
      }
      start = nl + 1;
      if (line.length > 0) {
        this.lastAnswerAt = now;
        this.waiters.settle(JSON.parse(line.toString('utf8')));
      }
    }
  }

}
