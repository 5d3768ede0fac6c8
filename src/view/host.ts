/**
 * The view's side of the MCP Apps protocol (io.modelcontextprotocol/ui, 2026-01-26): JSON-RPC over postMessage with
 * the host that framed it. It speaks only what this view needs: `ui/initialize` and `ui/notifications/initialized`;
 * the host's tool-input, tool-result, tool-cancelled and host-context-changed notifications;
 * `ui/notifications/size-changed`; `ui/message` for a follow-up the person asks for; and an empty answer to the
 * host's `ui/resource-teardown` and `ping`. Every method name and payload is typed against the ext-apps package's
 * own protocol types (type-only imports: no bytes in the view), and the tests run it against ext-apps' AppBridge and
 * the MCP Inspector.
 *
 * Why not ext-apps' `App` class, which speaks the same protocol: bundled by esbuild 0.28.2 with the same model,
 * render and theme modules (bench/view.mjs, BENCHMARKS.md), the view's script is 678 KB with `App`, and 328 KB even
 * when esbuild may drop the zod it does not use (ext-apps#649), against 15 KB with this client: `App` is built on the
 * v2 SDK's `Protocol` (both protocol eras' codecs, a JSON Schema validator) and zod. The issue asks for a resource
 * well under 200 KB; the whole view is about 21 KB.
 */
import type {
  McpUiHostContext,
  McpUiHostContextChangedNotification,
  McpUiInitializedNotification,
  McpUiInitializeRequest,
  McpUiInitializeResult,
  McpUiMessageRequest,
  McpUiMessageResult,
  McpUiResourceTeardownRequest,
  McpUiSizeChangedNotification,
  McpUiToolCancelledNotification,
  McpUiToolInputNotification,
  McpUiToolResultNotification,
} from '@modelcontextprotocol/ext-apps';

// The method names, checked against the protocol's own types.
const INITIALIZE: McpUiInitializeRequest['method'] = 'ui/initialize';
const INITIALIZED: McpUiInitializedNotification['method'] = 'ui/notifications/initialized';
const MESSAGE: McpUiMessageRequest['method'] = 'ui/message';
const SIZE_CHANGED: McpUiSizeChangedNotification['method'] = 'ui/notifications/size-changed';
const TOOL_INPUT: McpUiToolInputNotification['method'] = 'ui/notifications/tool-input';
const TOOL_RESULT: McpUiToolResultNotification['method'] = 'ui/notifications/tool-result';
const TOOL_CANCELLED: McpUiToolCancelledNotification['method'] = 'ui/notifications/tool-cancelled';
const CONTEXT_CHANGED: McpUiHostContextChangedNotification['method'] = 'ui/notifications/host-context-changed';
const TEARDOWN: McpUiResourceTeardownRequest['method'] = 'ui/resource-teardown';

export const PROTOCOL_VERSION: McpUiInitializeRequest['params']['protocolVersion'] = '2026-01-26';

export interface HostEvents {
  toolInput(params: McpUiToolInputNotification['params']): void;
  toolResult(result: McpUiToolResultNotification['params']): void;
  toolCancelled(params: McpUiToolCancelledNotification['params']): void;
  /** Only the fields that changed. */
  contextChanged(context: McpUiHostContext): void;
}

export interface Host {
  /** What the host said at initialize: theme, styles, container size, maybe the tool. */
  readonly context: McpUiHostContext;
  /** Asks the host to put a user message in its chat; false when the host refused or failed to deliver it. */
  message(text: string): Promise<boolean>;
  /** Tells the host how tall the content now is, so it can size the frame to it. */
  sizeChanged(height: number): void;
}

type Message = {
  jsonrpc: '2.0';
  id?: string | number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: unknown;
};

/**
 * Connects to the host (the parent window) and resolves once it answered ui/initialize. Listens before it asks, so
 * nothing the host sends is missed; messages from any other window are ignored.
 */
export async function connectHost(
  view: Window,
  events: HostEvents,
  appInfo: { name: string; version: string },
): Promise<Host> {
  const host = view.parent;
  const pending = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>();
  let lastId = 0;
  const send = (message: Omit<Message, 'jsonrpc'>) => host.postMessage({ jsonrpc: '2.0', ...message }, '*');
  const request = (method: string, params: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++lastId;
      pending.set(id, { resolve, reject });
      send({ id, method, params });
    });

  view.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== host) return;
    const message = event.data as Message;
    if (typeof message !== 'object' || message === null || message.jsonrpc !== '2.0') return;
    if (typeof message.method !== 'string') {
      // A response to one of ours.
      const waiting = typeof message.id === 'number' ? pending.get(message.id) : undefined;
      if (!waiting) return;
      pending.delete(message.id as number);
      if (message.error !== undefined) waiting.reject(new Error(JSON.stringify(message.error)));
      else waiting.resolve(message.result);
      return;
    }
    if (message.id !== undefined) {
      // A request from the host: this view holds nothing to clean up and answers a ping; anything else is unknown.
      send(
        message.method === TEARDOWN || message.method === 'ping'
          ? { id: message.id, result: {} }
          : { id: message.id, error: { code: -32601, message: `Method not found: ${message.method}` } },
      );
      return;
    }
    const params = (message.params ?? {}) as never;
    if (message.method === TOOL_INPUT) events.toolInput(params);
    else if (message.method === TOOL_RESULT) events.toolResult(params);
    else if (message.method === TOOL_CANCELLED) events.toolCancelled(params);
    else if (message.method === CONTEXT_CHANGED) events.contextChanged(params);
  });

  const init: McpUiInitializeRequest['params'] = { appInfo, appCapabilities: {}, protocolVersion: PROTOCOL_VERSION };
  const result = (await request(INITIALIZE, init)) as McpUiInitializeResult;
  send({ method: INITIALIZED, params: {} });
  let lastHeight = -1;
  return {
    context: result.hostContext ?? {},
    message: async (text) => {
      const params: McpUiMessageRequest['params'] = { role: 'user', content: [{ type: 'text', text }] };
      try {
        const answer = (await request(MESSAGE, params)) as McpUiMessageResult;
        return answer?.isError !== true;
      } catch {
        return false;
      }
    },
    sizeChanged: (height) => {
      if (height === lastHeight) return;
      lastHeight = height;
      const params: McpUiSizeChangedNotification['params'] = { height };
      send({ method: SIZE_CHANGED, params });
    },
  };
}
