/**
 * One long-lived McpServer serving many HTTP requests at once, through the SDK's public `Transport` interface. The
 * SDK's own guard (one transport per server, one server per stateless request) is what kept clients apart; sharing
 * an instance makes these invariants ours, each one tested (tests/e2e/multiplex.test.ts):
 *
 * - every inbound request id is rewritten to a process-unique one, and the client's own id restored on its answer,
 *   so two clients that both send id 1 never share the SDK's per-id state (abort controllers, responses);
 * - only requests reach the shared instance (the HTTP layer sends notifications, posted responses and batches to
 *   the per-request path), so no client can cancel, answer or otherwise touch another's exchange;
 * - a server message goes only to the exchange it names (`relatedRequestId`); one that names none, or names an
 *   exchange already answered, is dropped, never broadcast; a server-to-client request is dropped (no client
 *   could answer it: their responses never reach this instance);
 * - an exchange whose client went away is cancelled through the SDK's own path (a `notifications/cancelled` the
 *   SDK dispatches to the handler's AbortSignal), with the id the SDK knows it by.
 *
 * Why: measured on SDK 2.4 (docs/PERFORMANCE.md), a server, Protocol and web-streams transport per request cost
 * more than the tool call itself; this keeps every message parsed, validated and answered by the SDK.
 */
import type {
  AuthInfo,
  JSONRPCMessage,
  JSONRPCRequest,
  Transport,
  TransportSendOptions,
} from '@modelcontextprotocol/server';

/** Where one exchange's server messages go: the HTTP response of the request that started it. */
export interface ExchangeSink {
  /** A notification for this exchange (progress, a log message), before its answer. */
  notify(message: JSONRPCMessage): void;
  /** The answer, with the client's own id restored. The exchange is over. */
  answer(message: JSONRPCMessage): void;
}

export interface Exchange {
  /** The id the shared server knows this exchange by. */
  readonly id: number;
  /** Stop it through the SDK's cancellation (the handler's signal aborts); nothing more is sent to its sink. */
  cancel(reason: string): void;
}

interface Open {
  clientId: string | number;
  sink: ExchangeSink;
}

/** Process-wide, so ids stay unique across the instances of every tool set. */
let lastId = 0;

export class MultiplexTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private readonly open = new Map<number, Open>();
  private closed = false;

  constructor(private readonly dropped: (why: string) => void = () => {}) {}

  async start(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.open.clear();
    this.onclose?.();
  }

  /** Exchanges in flight (for tests and the shutdown drain). */
  get inFlight(): number {
    return this.open.size;
  }

  /**
   * Hands one client request to the shared server under a fresh id, with its caller's credentials riding on the
   * message (`authInfo`, read by the tool handler as ctx.http.authInfo), never on the server.
   */
  dispatch(request: JSONRPCRequest, authInfo: AuthInfo, sink: ExchangeSink): Exchange {
    if (this.closed || !this.onmessage) throw new Error('the shared MCP server is not connected');
    const id = ++lastId;
    this.open.set(id, { clientId: request.id, sink });
    this.onmessage({ ...request, id }, { authInfo });
    return {
      id,
      cancel: (reason) => {
        // Answered already, or cancelled: the SDK has nothing left to abort under this id.
        if (!this.open.delete(id)) return;
        this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } });
      },
    };
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if ('result' in message || 'error' in message) {
      const id = typeof message.id === 'number' ? message.id : undefined;
      const exchange = id === undefined ? undefined : this.open.get(id);
      if (!exchange || id === undefined) return this.dropped('a response for no open exchange');
      this.open.delete(id);
      exchange.sink.answer({ ...message, id: exchange.clientId });
      return;
    }
    if ('id' in message) return this.dropped(`a server-to-client request (${message.method})`);
    const related = options?.relatedRequestId;
    const exchange = typeof related === 'number' ? this.open.get(related) : undefined;
    if (!exchange) return this.dropped(`a notification (${message.method}) with no open exchange`);
    exchange.sink.notify(message);
  }
}
