/**
 * stdio: the SDK's serveStdio entry (both protocol eras, one McpServer per connection) over our line framing.
 * stdout carries JSON-RPC only; the process ends on stdin EOF (after the calls in flight are answered), SIGTERM or
 * SIGINT.
 *
 * Why a transport of our own under serveStdio (its documented `transport` option) rather than the SDK's
 * StdioServerTransport, as measured on @modelcontextprotocol/server 2.4.0: that transport (1) answers nothing for a
 * line that is not JSON or not a JSON-RPC message (`null`, `42`, `[]`, a request with `"params": null`): it only
 * reports it to onerror, so the client waits for ever; (2) aborts the requests in flight when stdin ends and never
 * answers them; (3) closes the connection when one line exceeds its buffer cap. This class frames lines, answers
 * those cases as JSON-RPC prescribes, and hands every valid message to the SDK untouched: all protocol handling
 * stays the SDK's. tests/canaries/sdk-stdio.test.ts runs the bare SDK path on each gap and goes red the day an SDK
 * release closes one: then that part of this class can go.
 */
import type { Readable, Writable } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/server';
import {
  type JSONRPCMessage,
  parseJSONRPCMessage,
  type RequestId,
  STDIO_DEFAULT_MAX_BUFFER_SIZE,
  type Transport,
} from '@modelcontextprotocol/server';
import { serveStdio as sdkServeStdio } from '@modelcontextprotocol/server/stdio';
import type { Logger } from '../log.js';

export interface StdioOptions {
  /** Longest line kept; a longer one is dropped and answered with a parse error (default: the SDK's own cap). */
  maxLineBytes?: number;
  /** How long calls still running at stdin EOF get to finish before the connection closes anyway. */
  drainMs: number;
}

/** Serves the factory's server on the process's stdin/stdout until the client goes away or a signal arrives. */
export function serveStdio(
  factory: () => McpServer,
  logger: Logger,
  options: StdioOptions,
  onClose: () => Promise<void>,
): void {
  let closing = false;
  const shutdown = async (why: string) => {
    if (closing) return;
    closing = true;
    logger.info('shutting down', { why });
    // Whatever happens while closing, the process must end: a client that closed stdin is gone.
    const force = setTimeout(() => process.exit(0), 2_000);
    force.unref();
    try {
      await handle.close();
      await onClose();
    } catch {
      /* ending anyway */
    }
    process.exit(0);
  };
  const transport = new StdioLines(process.stdin, process.stdout, {
    ...options,
    onEnd: () => void shutdown('stdin closed'),
  });
  const handle = sdkServeStdio(factory, {
    transport,
    onerror: (error) => logger.warn('stdio', { error: error.message.slice(0, 200) }),
  });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // An EPIPE on stdout means the client went away; there is nobody left to answer.
  process.stdout.on('error', () => void shutdown('stdout closed'));
  logger.info('ready on stdio');
}

/** Newline-delimited JSON-RPC over a pair of streams; see the module header for what it adds to the SDK's. */
export class StdioLines implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private chunks: string[] = [];
  private size = 0;
  /** Inside a line that grew past the cap: drop everything up to its newline. */
  private skipping = false;
  private readonly inFlight = new Set<RequestId>();
  private ended = false;
  private closed = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private readonly maxLineBytes: number;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly options: StdioOptions & { onEnd?: () => void },
  ) {
    this.maxLineBytes = options.maxLineBytes ?? STDIO_DEFAULT_MAX_BUFFER_SIZE;
  }

  async start(): Promise<void> {
    this.input.setEncoding('utf8');
    this.input.on('data', this.onData);
    this.input.on('end', this.onInputEnd);
    this.input.on('close', this.onInputEnd);
    this.input.on('error', this.onInputError);
  }

  private readonly onInputError = (error: Error) => this.onerror?.(error);

  private readonly onData = (chunk: string) => {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, nl);
      start = nl + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      const line = this.chunks.length === 0 ? piece : this.chunks.join('') + piece;
      this.chunks = [];
      this.size = 0;
      this.receive(line);
    }
    const rest = chunk.slice(start);
    if (rest === '' || this.skipping) return;
    this.size += rest.length;
    if (this.size > this.maxLineBytes) {
      // Never buffer without bound: drop the line, say so once, and carry on with the next one.
      this.chunks = [];
      this.size = 0;
      this.skipping = true;
      this.reply(null, -32700, `Parse error: a line longer than ${this.maxLineBytes} bytes was dropped`);
      return;
    }
    this.chunks.push(rest);
  };

  private receive(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.reply(null, -32700, 'Parse error: the line is not JSON');
      return;
    }
    let message: JSONRPCMessage;
    try {
      message = parseJSONRPCMessage(value);
    } catch {
      this.refuse(value);
      return;
    }
    // A subscriptions/listen stream (2026-07-28) stays open by design: it is not a call to wait for at EOF.
    if ('method' in message && 'id' in message && message.method !== 'subscriptions/listen') {
      this.inFlight.add(message.id);
    } else if ('method' in message && message.method === 'notifications/cancelled') {
      // The SDK answers nothing for a cancelled request, so it no longer holds the connection open at EOF.
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (id !== undefined) this.forget(id);
    }
    this.onmessage?.(message);
  }

  /** JSON that is not a valid JSON-RPC message: -32600, with the request's id when it has a usable one. */
  private refuse(value: unknown): void {
    const object = typeof value === 'object' && value !== null && !Array.isArray(value);
    const m = (object ? value : {}) as Record<string, unknown>;
    // A notification is never answered, even a malformed one.
    if (object && typeof m.method === 'string' && !('id' in m)) {
      this.onerror?.(new Error(`Invalid notification ${m.method.slice(0, 64)} dropped`));
      return;
    }
    const id = typeof m.id === 'string' || (typeof m.id === 'number' && Number.isFinite(m.id)) ? m.id : null;
    const why = Array.isArray(value)
      ? 'batches are not supported; send one JSON-RPC message per line'
      : !object
        ? 'expected a JSON-RPC 2.0 object'
        : m.jsonrpc !== '2.0'
          ? 'jsonrpc must be "2.0"'
          : m.params !== undefined && (typeof m.params !== 'object' || m.params === null || Array.isArray(m.params))
            ? 'params must be an object'
            : 'expected {"jsonrpc":"2.0","id":<string|number>,"method":"<method>","params":{...}}';
    this.reply(id, -32600, `Invalid Request: ${why}`);
  }

  private reply(id: RequestId | null, code: number, message: string): void {
    this.write(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }));
  }

  async send(message: JSONRPCMessage): Promise<void> {
    await this.write(JSON.stringify(message));
    if (('result' in message || 'error' in message) && message.id !== undefined && message.id !== null) {
      this.forget(message.id);
    }
  }

  private write(json: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.output.write(`${json}\n`)) resolve();
      else this.output.once('drain', resolve);
    });
  }

  private forget(id: RequestId): void {
    this.inFlight.delete(id);
    if (this.ended && this.inFlight.size === 0) void this.close();
  }

  /** EOF: the client has said all it will, but the calls it made still get their answers (bounded by drainMs). */
  private readonly onInputEnd = () => {
    if (this.ended) return;
    this.ended = true;
    if (this.inFlight.size === 0) {
      void this.close();
      return;
    }
    this.drainTimer = setTimeout(() => void this.close(), this.options.drainMs);
  };

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.drainTimer);
    this.input.off('data', this.onData);
    this.input.off('end', this.onInputEnd);
    this.input.off('close', this.onInputEnd);
    this.input.off('error', this.onInputError);
    this.chunks = [];
    this.onclose?.();
    this.options.onEnd?.();
  }
}
