/** Puts the emulator on a real socket on 127.0.0.1 (an ephemeral port unless told otherwise). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Delivery, Emulator, type EmulatorOptions } from './emulator.js';

export interface Sandbox {
  url: string;
  emulator: Emulator;
  close(): Promise<void>;
}

export interface SandboxOptions extends EmulatorOptions {
  port?: number;
  /** Loopback only: the sandbox has a well-known key and is never meant to be reachable from elsewhere. */
  host?: '127.0.0.1' | 'localhost' | '::1';
}

const MAX_BODY = 1024 * 1024;

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const emulator = new Emulator(options);
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        res.writeHead(413, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            statusCode: 413,
            message: 'Payload Too Large',
            timestamp: new Date(options.now()).toISOString(),
          }),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const response = emulator.handle({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      deliver(res, response.status, response.headers, response.body, response.delivery);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    emulator,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function deliver(
  res: import('node:http').ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
  delivery: Delivery,
): void {
  switch (delivery.kind) {
    case 'now':
      res.writeHead(status, headers);
      res.end(body);
      return;
    case 'slow': {
      const timer = setTimeout(() => {
        res.writeHead(status, headers);
        res.end(body);
      }, delivery.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    case 'heartbeat': {
      // With heartbeats the status line goes out first, so it is 200; the body's statusCode is the real outcome.
      res.writeHead(200, headers);
      let sent = 0;
      const timer = setInterval(() => {
        if (sent++ < delivery.count) {
          res.write('\n');
          return;
        }
        clearInterval(timer);
        res.end(body);
      }, delivery.intervalMs);
      res.on('close', () => clearInterval(timer));
      return;
    }
    case 'hang':
      // Hold the request open until the client gives up.
      return;
  }
}
