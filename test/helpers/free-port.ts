// A loopback port that was free a moment ago: bound on port 0, then released. For a server that
// needs a number up front (it cannot report port 0), or an address nothing listens on.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
