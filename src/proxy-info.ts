// The proxy's own name and version (from package.json), as sent in serverInfo and clientInfo.
import { readFileSync } from 'node:fs';

// Compiled layout: dist/src/proxy-info.js → ../../package.json is the project's.
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const PROXY_INFO = { name: 'multi-mcp', version: pkg.version } as const;
