/**
 * A raw TCP upstream on 127.0.0.1, for what node:http would hide or tidy: each request head exactly as sent, and the
 * socket itself, to reset it at an exact point of the exchange.
 */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';

export interface RawHead {
  method: string;
  target: string;
  /** The head's lines as sent, request line first. */
  lines: string[];
}

/**
 * `handle` is called once per request with the socket to answer on: when its whole body has arrived, or, with
 * `beforeBody`, as soon as its head has (the body's bytes are then read and dropped as they come).
 */
export async function startRawUpstream(
  handle: (head: RawHead, socket: Socket) => void,
  opts: { beforeBody?: boolean } = {},
) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    let skip = 0;
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const skipped = Math.min(skip, buffered.length);
        buffered = buffered.subarray(skipped);
        skip -= skipped;
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (!opts.beforeBody && buffered.length < end + 4 + length) return;
        skip = length;
        buffered = buffered.subarray(end + 4);
        const lines = head.split('\r\n');
        const [method = '', target = ''] = (lines[0] ?? '').split(' ');
        handle({ method, target, lines }, socket);
        if (socket.destroyed) return;
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A complete JSON response on a raw socket. */
export function rawReply(socket: Socket, status: string, body: string): void {
  socket.write(
    `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
