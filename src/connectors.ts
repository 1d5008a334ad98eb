// Picks the backend transport for a server spec.
import type { Connector } from './backends/connection.js';
import { connectAutoHttp, connectHttp, connectSse } from './backends/remote.js';
import { connectWs } from './backends/remote-ws.js';
import { connectStdio } from './backends/stdio.js';

export const connect: Connector = (spec, options) => {
  switch (spec.transport) {
    case 'stdio':
      return connectStdio(spec, options);
    case 'sse':
      return connectSse(spec, options);
    case 'http':
      return connectHttp(spec, options);
    case 'auto-http':
      return connectAutoHttp(spec, options);
    case 'ws':
      return connectWs(spec, options);
    default:
      return Promise.reject(new Error(`unknown transport ${JSON.stringify(spec.transport)}`));
  }
};
