// The proxy (dist/src/cli.js) as a child over stdio with an SDK client, for remote-backend tests:
// like connectSdkClient, with environment variables (for ${VAR} in headers) and info-level logs.
import type { TestContext } from 'node:test';
import { connectSdkClient, writeConfig } from './proxy-process.js';

export interface ProxyOptions {
  env?: Record<string, string>;
  args?: string[];
}

export async function startRemoteProxy(t: TestContext, mcpServers: Record<string, unknown>, options: ProxyOptions = {}) {
  const config = writeConfig(t, { mcpServers });
  const args = ['--log-level', 'info', '--connect-timeout', '10000', ...(options.args ?? [])];
  const { client, stderr } = await connectSdkClient(t, config, args, options.env ?? {});
  return { client, stderr };
}

type Content = { type: string; text?: string }[];
export const textOf = (result: unknown) => ((result as { content: Content }).content ?? []).map((c) => c.text ?? '').join('');
