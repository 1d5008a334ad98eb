// The environment a backend process starts with: the proxy's own, minus the proxy's own settings
// and secrets (every MULTI_MCP_* variable, the API key among them), plus the server's `env`.
// A backend that prints its environment must not show the key that guards the proxy.

const PROXY_PREFIX = 'MULTI_MCP_';

export function childEnv(serverEnv: Record<string, string> | undefined, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    // Case-insensitive: Windows environment names are.
    if (!name.toUpperCase().startsWith(PROXY_PREFIX)) env[name] = value;
  }
  // What the config sets for this server explicitly is passed, even a MULTI_MCP_* name.
  return { ...env, ...serverEnv };
}
