// Picks the backend transport for a server spec.
import type { Connector } from './backends/connection.js';
import { connectStdio } from './backends/stdio.js';

export const connect: Connector = (spec, options) => {
  switch (spec.transport) {
    case 'stdio':
      return connectStdio(spec, options);
    default:
      return Promise.reject(new Error(`the ${spec.transport} transport is not supported yet`));
  }
};
