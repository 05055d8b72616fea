import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A port on 127.0.0.1 that nothing listens on, picked by the kernel. A port drawn at random
 * can be another test's: its webhook receiver (listen(0) takes ephemeral ports, 32768 and
 * up) or an outgoing connection's local port; a server started on it then fails with
 * EADDRINUSE, while a probe of that port is answered by the other test's server.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
