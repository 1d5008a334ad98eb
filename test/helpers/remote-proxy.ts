// The proxy (dist/src/cli.js) as a child over stdio with an SDK client, for remote-backend tests:
// like connectSdkClient, plus environment variables (for ${VAR} in headers) and info-level logs.
import type { TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CLI, isAlive, writeConfig } from './proxy-process.js';

export interface ProxyOptions {
  env?: Record<string, string>;
  args?: string[];
}

export async function startRemoteProxy(t: TestContext, mcpServers: Record<string, unknown>, options: ProxyOptions = {}) {
  const config = writeConfig(t, { mcpServers });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, '--config', config, '--log-level', 'info', '--connect-timeout', '10000', ...(options.args ?? [])],
    env: { ...getDefaultEnvironment(), ...options.env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'remote-test', version: '1.0.0' }, { capabilities: {} });
  t.after(async () => {
    const pid = transport.pid;
    await client.close();
    if (pid !== null && pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

type Content = { type: string; text?: string }[];
export const textOf = (result: unknown) => ((result as { content: Content }).content ?? []).map((c) => c.text ?? '').join('');
