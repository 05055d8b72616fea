import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a PostgreSQL URL (a Unix socket's `?host=/dir` too) that a test can
 * cut (its connections closed, new ones refused, as a database that went down) and restore
 * on the same port: an outage without stopping the server the other test files share.
 */
export interface TcpProxy {
  /** The database URL through the proxy. */
  url: string;
  cut(): Promise<void>;
  /**
   * The next connection whose client sends bytes holding `marker` is reset once they are sent
   * on: the client reads ECONNRESET, as from a server process that died with them unread.
   * Resolves when it was.
   */
  resetOnceAfter(marker: string): Promise<void>;
  /**
   * Forwards nothing more either way, its connections left open and new ones accepted: a database
   * host that froze, or a network path that drops packets (no refusal, no reset). `thaw` undoes it.
   */
  hang(): void;
  thaw(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** `listenOn`: the address the proxy listens on (`::1`: a database URL naming an IPv6 address). */
export async function startTcpProxy(databaseUrl: string, { listenOn = '127.0.0.1' } = {}): Promise<TcpProxy> {
  const target = new URL(databaseUrl);
  const socketDir = target.searchParams.get('host');
  const port = Number(target.port || 5432);
  const open = () => (socketDir?.startsWith('/') ? createConnection(`${socketDir}/.s.PGSQL.${port}`) : createConnection(port, target.hostname));
  const sockets = new Set<Socket>();
  const track = (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => s.destroy()); };
  let server: Server | undefined;
  let reset: { marker: string; done: () => void } | undefined;
  let hung = false;
  /** The connections' two ends, to stop and start their flow (hang, thaw). */
  const pairs = new Set<[Socket, Socket]>();
  const flow = (on: boolean) => {
    for (const [a, b] of pairs) {
      for (const [from, to] of [[a, b], [b, a]]) {
        if (on) from.pipe(to);
        else { from.unpipe(to); from.pause(); } // held, not dropped: thawed, the bytes go on
      }
    }
  };
  const listen = (onPort: number) => new Promise<number>((resolve, reject) => {
    const s = createServer((client) => {
      const upstream = open();
      track(client);
      track(upstream);
      const pair: [Socket, Socket] = [client, upstream];
      pairs.add(pair);
      client.on('close', () => pairs.delete(pair));
      if (!hung) client.pipe(upstream).pipe(client);
      else { client.pause(); upstream.pause(); }
      // After pipe()'s listener: the bytes went on before the reset.
      client.on('data', (data: Buffer) => {
        if (!reset || !data.includes(reset.marker)) return;
        const { done } = reset;
        reset = undefined;
        client.resetAndDestroy();
        done();
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    s.once('error', reject);
    s.listen(onPort, listenOn, () => { server = s; resolve((s.address() as { port: number }).port); });
  });
  const proxyPort = await listen(0);
  const url = new URL(databaseUrl);
  url.searchParams.delete('host');
  url.hostname = listenOn.includes(':') ? `[${listenOn}]` : listenOn;
  url.port = String(proxyPort);
  const cut = async () => {
    const closing = server;
    server = undefined;
    const closed = closing && new Promise((r) => closing.close(r));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    url: url.toString(),
    cut,
    resetOnceAfter: (marker) => new Promise((done) => { reset = { marker, done }; }),
    // Each only when it changes the state: pipe() twice to one destination sends every byte twice (review).
    hang() { if (!hung) { hung = true; flow(false); } },
    thaw() { if (hung) { hung = false; flow(true); } },
    async restore() { if (!server) await listen(proxyPort); },
    close: cut,
  };
}
