// A minimal MCP client straight over a backend connection's channel (no router): numbered
// requests, answers by id, everything received kept in order.
import type { Message } from 'vscode-jsonrpc/node';
import type { BackendConnection } from '../../src/backends/connection.js';
import type { ServerSpec } from '../../src/config/spec.js';
import { PATIENCE_MS, waitFor } from './wait.js';

export function remoteSpec(transport: ServerSpec['transport'], url: string, headers: Record<string, string> = {}): ServerSpec {
  const restart = { enabled: false, initialDelayMs: 500, maxDelayMs: 1000, stableMs: 1000 };
  // The connectors' own 2025 wires (era probing is the Backend's business, tested in modern-*.test.ts).
  return { name: 't', transport, url, headers, args: [], env: {}, tools: {}, session: 'shared', restart, protocol: '2025-11-25' };
}

/** A minimal MCP client over a connection's channel: numbered requests, answers by id. */
export class ChannelClient {
  private nextId = 1;
  readonly answers = new Map<number, any>();
  readonly received: any[] = [];

  constructor(readonly connection: BackendConnection) {
    connection.channel.reader.listen((msg: Message) => {
      const m = msg as any;
      this.received.push(m);
      if (!('method' in m)) this.answers.set(m.id, m);
    });
  }

  async request(method: string, params?: object): Promise<any> {
    const id = this.nextId++;
    this.connection.channel.writer.send({ jsonrpc: '2.0', id, method, params } as Message);
    return waitFor(() => this.answers.get(id), `answer to ${method}`, PATIENCE_MS);
  }

  notify(method: string): void {
    this.connection.channel.writer.send({ jsonrpc: '2.0', method } as Message);
  }

  async handshake(protocolVersion = '2025-06-18'): Promise<any> {
    const answer = await this.request('initialize', { protocolVersion, capabilities: {}, clientInfo: { name: 'c', version: '1' } });
    this.notify('notifications/initialized');
    return answer;
  }
}

