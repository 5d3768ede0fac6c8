/** A scripted StackOne stand-in on 127.0.0.1: records every request and answers from a queue of responders. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Recorded {
  method: string;
  /** Raw request target as sent, e.g. /unified/lms/users/u%2F1/assignments?filter[status]=completed */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Responder = (req: Recorded, res: ServerResponse, raw?: IncomingMessage) => void | Promise<void>;

export interface Upstream {
  url: string;
  requests: Recorded[];
  /** Responders used in order, one per request; after they run out, `fallback` answers. */
  enqueue(...responders: Responder[]): void;
  fallback: Responder;
  /** Sockets opened and closed so far, to see cancellation reach the wire. */
  sockets: { opened: number; closed: number };
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  waitForSocketsClosed(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The requests a tool made for its own operation, leaving out the directory lists (users, courses, content) that
 * lookups and title joins read once and cache: a test that counts the operation's requests counts these.
 */
export function ownRequests(upstream: Pick<Upstream, 'requests'>): Recorded[] {
  return upstream.requests.filter((r) => !/^\/unified\/lms\/(users|courses|content)$/.test(r.path));
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Responder {
  return (_req, res) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  };
}

/** StackOne's reply `timestamp`: two hours before TEST_NOW (tests/helpers/clock.ts); nothing compares it with "now". */
const REPLIED_AT = '2026-11-22T10:00:00.000Z';

export function stackoneError(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Responder {
  return json(status, { statusCode: status, message, timestamp: REPLIED_AT, ...extra }, headers);
}

export const CREATED = {
  statusCode: 201,
  message: 'Record created successfully.',
  timestamp: REPLIED_AT,
  data: { id: 'asg_123', remote_id: 'remote-987' },
};

export async function startUpstream(fallback: Responder = json(201, CREATED)): Promise<Upstream> {
  const queue: Responder[] = [];
  const requests: Recorded[] = [];
  const sockets = { opened: 0, closed: 0 };
  const live = new Set<Socket>();
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const upstream: Upstream = {
    url: '',
    requests,
    fallback,
    sockets,
    enqueue: (...r) => {
      queue.push(...r);
    },
    waitForRequests: (n, timeoutMs = 5000) => until(() => requests.length >= n, timeoutMs, waiters),
    waitForSocketsClosed: (n, timeoutMs = 5000) => until(() => sockets.closed >= n, timeoutMs, waiters),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of live) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer(async (raw, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of raw) chunks.push(chunk as Buffer);
    const target = raw.url ?? '/';
    const parsed = new URL(target, 'http://127.0.0.1');
    const rec: Recorded = {
      method: raw.method ?? '',
      url: target,
      path: parsed.pathname,
      query: parsed.searchParams,
      headers: raw.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    requests.push(rec);
    wake();
    const responder = queue.shift() ?? upstream.fallback;
    try {
      await responder(rec, res, raw);
    } catch {
      res.destroy();
    }
  });
  server.on('connection', (socket) => {
    sockets.opened++;
    live.add(socket);
    socket.on('close', () => {
      sockets.closed++;
      live.delete(socket);
      wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return upstream;
}

function until(check: () => boolean, timeoutMs: number, waiters: Array<() => void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting on the upstream')), timeoutMs);
    const test = () => {
      if (check()) {
        clearTimeout(timer);
        resolve();
      } else waiters.push(test);
    };
    test();
  });
}
