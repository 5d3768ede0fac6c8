/**
 * stdio: stdout carries JSON-RPC only; the process ends on stdin EOF, SIGTERM or SIGINT.
 *
 * Our own Transport rather than the SDK's StdioServerTransport: tools/call and tools/list, nearly every message a
 * client sends, are answered through the tool runner directly (with their cancellation, progress and log
 * notifications); everything else (initialize, ping, logging/setLevel, notifications) goes to the SDK's Server as
 * usual. The SDK parses each message against its zod schemas several times over (transport, protocol, handler);
 * skipping it on the hot path is much of what a call no longer costs the server (BENCHMARKS.md).
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../log.js';
import {
  type CallParams,
  fastRequest,
  paramsError,
  paramsErrorResponse,
  type RpcId,
  rpcResponse,
  type ToolRunner,
} from '../server.js';

export async function serveStdio(
  server: Server,
  runner: ToolRunner,
  logger: Logger,
  onClose: () => Promise<void>,
): Promise<void> {
  const transport = new FastStdioTransport(runner, process.stdin, process.stdout);
  let closing = false;
  const shutdown = async (why: string) => {
    if (closing) return;
    closing = true;
    logger.info('shutting down', { why });
    // Whatever happens while closing, the process must end: a client that closed stdin is gone.
    const force = setTimeout(() => process.exit(0), 2_000);
    force.unref();
    try {
      await server.close();
      await onClose();
    } catch {
      /* ending anyway */
    }
    process.exit(0);
  };
  process.stdin.on('end', () => void shutdown('stdin closed'));
  process.stdin.on('close', () => void shutdown('stdin closed'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // An EPIPE on stdout means the client went away; there is nobody left to answer.
  process.stdout.on('error', () => void shutdown('stdout closed'));
  transport.onerror = (error) => logger.warn('stdio transport error', { error: error.message.slice(0, 200) });
  await server.connect(transport);
  logger.info('ready on stdio');
}

/** Newline-delimited JSON-RPC over a pair of streams, with the tool runner's fast path. */
export class FastStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private buffer = '';
  private readonly inFlight = new Map<RpcId, AbortController>();
  private started = false;

  constructor(
    private readonly runner: ToolRunner,
    private readonly input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
  ) {}

  async start(): Promise<void> {
    if (this.started) throw new Error('FastStdioTransport already started');
    this.started = true;
    this.input.setEncoding('utf8');
    this.input.on('data', this.onData);
    this.input.on('error', this.onStreamError);
  }

  private readonly onStreamError = (error: Error) => this.onerror?.(error);

  private readonly onData = (chunk: string) => {
    this.buffer += chunk;
    let newline = this.buffer.indexOf('\n');
    while (newline !== -1) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      if (line.trim() !== '') this.receive(line);
      newline = this.buffer.indexOf('\n');
    }
  };

  private receive(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.onerror?.(new Error('Parse error: a line on stdin is not JSON'));
      return;
    }
    const fast = fastRequest(message);
    if (fast) {
      this.answer(fast.id, fast.method, fast.params);
      return;
    }
    const bad = paramsError(message);
    if (bad) {
      void this.write(paramsErrorResponse(bad));
      return;
    }
    const m = message as { method?: unknown; params?: { requestId?: unknown } };
    if (m.method === 'notifications/cancelled') {
      const id = m.params?.requestId;
      if (typeof id === 'string' || typeof id === 'number') this.inFlight.get(id)?.abort('cancelled by the client');
    }
    // Anything else is the SDK's to check and answer (it reports what it cannot read through onerror).
    this.onmessage?.(message as JSONRPCMessage);
  }

  private answer(id: RpcId, method: 'tools/call' | 'tools/list', params: unknown): void {
    if (method === 'tools/list') {
      void this.write(rpcResponse(id, this.runner.list()));
      return;
    }
    const call = params as CallParams & { _meta?: { progressToken?: string | number } };
    const controller = new AbortController();
    this.inFlight.set(id, controller);
    const notify = (notification: ServerNotification) => {
      if (!controller.signal.aborted) void this.send({ jsonrpc: '2.0', ...notification } as JSONRPCMessage);
    };
    this.runner
      .call(call, { signal: controller.signal, notify, progressToken: call._meta?.progressToken })
      .then(
        (result) => rpcResponse(id, result),
        // The runner turns failures into results; this is only for a bug in it.
        (error: unknown) =>
          JSON.stringify({
            jsonrpc: '2.0',
            id,
            error: { code: -32603, message: error instanceof Error ? error.message : 'Internal error' },
          }),
      )
      .then((reply) => {
        this.inFlight.delete(id);
        // A cancelled request gets no answer (the spec's rule, as the SDK does it).
        if (!controller.signal.aborted) void this.write(reply);
      });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.write(JSON.stringify(message));
  }

  private write(json: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.output.write(`${json}\n`)) resolve();
      else this.output.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    this.input.off('data', this.onData);
    this.input.off('error', this.onStreamError);
    for (const controller of this.inFlight.values()) controller.abort('the server is closing');
    this.inFlight.clear();
    this.buffer = '';
    this.onclose?.();
  }
}
