import { connect, type Socket } from 'node:net';

/**
 * The bench's HTTP/1.1 client: a request is written as bytes encoded before the clock
 * starts, on a kept-alive socket with one request in flight, and its response is read to
 * the end of its Content-Length. The senders share the 2 cores with the server they
 * measure, and a sequential sender's own time is inside every latency it reports:
 * node:http's client cost ~0.5 ms of CPU a PATCH here, and fetch added ~3.8 ms to the
 * round trip of an 880 KB request against a local node:http server (5.02 against 1.20 ms,
 * medians of 50). A response framed any other way (chunked) is an error, not a guess.
 */
export interface RawRequest { method: string; path: string; headers: Record<string, string>; body?: string | Buffer }
export interface RawResponse { status: number; body: Buffer }

/** A request as the bytes it is written as. */
export function encodeRequest(host: string, r: RawRequest): Buffer {
  const body = r.body === undefined ? null : typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
  let head = `${r.method} ${r.path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n`;
  for (const [k, v] of Object.entries(r.headers)) head += `${k}: ${v}\r\n`;
  head += `content-length: ${body?.length ?? 0}\r\n\r\n`;
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

export class RawConnection {
  readonly socket: Socket;
  private chunks: Buffer[] = [];
  private size = 0;
  /** Once the head is read: where the body starts and where the response ends. */
  private frame: { status: number; bodyAt: number; end: number } | null = null;
  private waiter: ((r: RawResponse | null) => void) | null = null;
  private closed = false;

  constructor(host: string, port: number, onClose?: (conn: RawConnection) => void) {
    this.socket = connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    const gone = () => {
      if (this.closed) return;
      this.closed = true;
      this.finish(null);
      onClose?.(this);
    };
    this.socket.on('error', gone);
    this.socket.on('close', gone);
  }

  /** Writes the request; resolves with its response, or null if the connection failed first. */
  send(bytes: Buffer): Promise<RawResponse | null> {
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.socket.write(bytes);
    });
  }

  close() { this.socket.destroy(); }

  private receive(chunk: Buffer) {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (!this.frame) {
      const data = this.joined();
      const headEnd = data.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = data.toString('latin1', 0, headEnd);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (!length) { this.socket.destroy(); return; }
      this.frame = { status: Number(head.slice(9, 12)), bodyAt: headEnd + 4, end: headEnd + 4 + Number(length[1]) };
    }
    if (this.size < this.frame.end) return;
    const data = this.joined();
    const { status, bodyAt, end } = this.frame;
    const rest = data.subarray(end);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    this.frame = null;
    this.finish({ status, body: data.subarray(bodyAt, end) });
  }

  private joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0];
  }

  private finish(r: RawResponse | null) {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.(r);
  }
}
