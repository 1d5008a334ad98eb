// Picks the backend transport for a server spec. Remote transports are loaded on first use:
// a proxy of local servers only does not pay their memory (HTTP client, SSE parser, ws).
import type { Connector } from './backends/connection.js';
import { connectStdio } from './backends/stdio.js';

export const connect: Connector = async (spec, options) => {
  switch (spec.transport) {
    case 'stdio':
      return connectStdio(spec, options);
    case 'sse':
      return (await import('./backends/remote.js')).connectSse(spec, options);
    case 'http':
      return (await import('./backends/remote.js')).connectHttp(spec, options);
    case 'auto-http':
      return (await import('./backends/remote.js')).connectAutoHttp(spec, options);
    case 'ws':
      return (await import('./backends/remote-ws.js')).connectWs(spec, options);
    default:
      throw new Error(`unknown transport ${JSON.stringify(spec.transport)}`);
  }
};
