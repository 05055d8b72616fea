import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A port on 127.0.0.1 that nothing listens on, for a server a test starts later (a child
 * process, an embedded PostgreSQL). It is drawn below the kernel's ephemeral range: a port
 * from that range, even one the kernel just handed out and took back, can go to another
 * test's webhook receiver (listen(0)) or to the local end of an outgoing connection (the
 * test pools' connections to an external PostgreSQL) before our server binds it; the server
 * then fails with EADDRINUSE, while a probe of that port is answered by the other socket.
 * Only this helper draws from below the range, at random, and each draw is checked free.
 */
export async function freePort(): Promise<number> {
  const low = 20000;
  const high = ephemeralLow();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port found in ${low}-${high - 1}`);
}

/** The first port of the kernel's ephemeral range (Linux), or 32768. */
function ephemeralLow(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return first > 21000 ? first : 32768;
  } catch {
    return 32768;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
