// Where the discovery catalog comes from: real MCP servers published on npm, the
// devDependencies of bench/discovery/package.json (exact versions, lockfile beside it), each
// started offline with placeholder credentials and asked for tools/list. None of them is called:
// only their definitions are used.

export interface Source {
  /** Server name in the bench config (the prefix of the exposed names). */
  server: string;
  /** npm package; its `bin` is what is started. */
  pkg: string;
  /** The bin entry to start when the package has several. */
  bin?: string;
  args?: string[];
  /** Placeholder credentials the server insists on before it lists its tools. */
  env?: Record<string, string>;
}

const TWILIO_SERVICES = [
  'twilio_api_v2010',
  'twilio_conversations_v1',
  'twilio_verify_v2',
  'twilio_messaging_v1',
  'twilio_studio_v2',
  'twilio_taskrouter_v1',
  'twilio_serverless_v1',
  'twilio_video_v1',
  'twilio_sync_v1',
  'twilio_lookups_v2',
  'twilio_numbers_v2',
  'twilio_voice_v1',
];

export const SOURCES: Source[] = [
  { server: 'github', pkg: '@modelcontextprotocol/server-github', env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'placeholder' } },
  { server: 'gitlab', pkg: '@modelcontextprotocol/server-gitlab', env: { GITLAB_PERSONAL_ACCESS_TOKEN: 'placeholder' } },
  { server: 'slack', pkg: '@modelcontextprotocol/server-slack', env: { SLACK_BOT_TOKEN: 'xoxb-placeholder', SLACK_TEAM_ID: 'T00000000' } },
  { server: 'google_maps', pkg: '@modelcontextprotocol/server-google-maps', env: { GOOGLE_MAPS_API_KEY: 'placeholder' } },
  { server: 'filesystem', pkg: '@modelcontextprotocol/server-filesystem', args: ['{home}'] },
  { server: 'memory', pkg: '@modelcontextprotocol/server-memory' },
  { server: 'playwright', pkg: '@playwright/mcp' },
  { server: 'chrome_devtools', pkg: 'chrome-devtools-mcp', bin: 'chrome-devtools-mcp' },
  { server: 'notion', pkg: '@notionhq/notion-mcp-server', env: { NOTION_TOKEN: 'placeholder' } },
  { server: 'sentry', pkg: '@sentry/mcp-server', args: ['--access-token=placeholder'] },
  { server: 'hubspot', pkg: '@hubspot/mcp-server', env: { PRIVATE_APP_ACCESS_TOKEN: 'placeholder' } },
  { server: 'launchdarkly', pkg: '@launchdarkly/mcp-server', args: ['start', '--api-key', 'placeholder'] },
  { server: 'circleci', pkg: '@circleci/mcp-server-circleci', env: { CIRCLECI_TOKEN: 'placeholder' } },
  { server: 'git', pkg: '@cyanheads/git-mcp-server' },
  { server: 'mapbox', pkg: '@mapbox/mcp-server', env: { MAPBOX_ACCESS_TOKEN: 'pk.placeholder' } },
  { server: 'tavily', pkg: 'tavily-mcp', env: { TAVILY_API_KEY: 'tvly-placeholder' } },
  { server: 'exa', pkg: 'exa-mcp-server', env: { EXA_API_KEY: 'placeholder' } },
  { server: 'neon', pkg: '@neondatabase/mcp-server-neon', args: ['start', 'placeholder'] },
  // Reads a wrangler login from $HOME (catalog.ts writes a placeholder one there).
  { server: 'cloudflare', pkg: '@cloudflare/mcp-server-cloudflare', args: ['run', '0123456789abcdef0123456789abcdef'] },
  {
    server: 'twilio',
    pkg: '@twilio-alpha/mcp',
    args: ['AC00000000000000000000000000000000/SK00000000000000000000000000000000:placeholder', '--services', TWILIO_SERVICES.join(',')],
  },
];
