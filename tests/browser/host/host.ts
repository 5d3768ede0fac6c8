/**
 * A minimal MCP Apps host for the browser tests, built on ext-apps' own AppBridge: it frames a view's HTML in a
 * sandboxed iframe (scripts only, an opaque origin, as desktop hosts do), puts in front of it the CSP the extension
 * prescribes for the resource's declared domains, and hands it a tool's input and result. The test drives it through
 * `window.testHost`; every message the view sends is recorded by method, and every ui/message it asks for is kept.
 */
import type { McpUiHostContext, McpUiResourceCsp } from '@modelcontextprotocol/ext-apps';
import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';

interface Mount {
  html: string;
  csp: McpUiResourceCsp | undefined;
  toolInput: Record<string, unknown>;
  toolResult: Parameters<AppBridge['sendToolResult']>[0];
  hostContext: McpUiHostContext;
}

interface TestHost {
  /** Frames the view and waits for it to initialize; nothing is sent to it yet. */
  mount(mount: Pick<Mount, 'html' | 'csp' | 'hostContext'>): Promise<{ appName: string | undefined }>;
  /** Sends the tool's input, then its result, as a host does once the view is ready. */
  deliver(call: Pick<Mount, 'toolInput' | 'toolResult'>): Promise<void>;
  setContext(context: McpUiHostContext): Promise<void>;
  teardown(): Promise<unknown>;
  /** The text of every ui/message the view sent. */
  messages: string[];
  /** The method of every message the view posted ('response' for its answers to the host). */
  methods: string[];
  /** The heights the view reported. */
  heights: number[];
}

declare global {
  interface Window {
    testHost: TestHost;
  }
}

/** The extension's restrictive default, widened only by the domains the resource declares. */
function cspFor(csp: McpUiResourceCsp | undefined): string {
  const resources = (csp?.resourceDomains ?? []).join(' ');
  const connect = csp?.connectDomains?.length ? csp.connectDomains.join(' ') : "'none'";
  return [
    "default-src 'none'",
    `script-src 'self' 'unsafe-inline' ${resources}`,
    `style-src 'self' 'unsafe-inline' ${resources}`,
    `img-src 'self' data: ${resources}`,
    `font-src 'self' ${resources}`,
    `media-src 'self' data: ${resources}`,
    `connect-src ${connect}`,
    `frame-src ${csp?.frameDomains?.length ? csp.frameDomains.join(' ') : "'none'"}`,
    "object-src 'none'",
    `base-uri ${csp?.baseUriDomains?.length ? csp.baseUriDomains.join(' ') : "'self'"}`,
  ].join('; ');
}

let bridge: AppBridge | undefined;

window.testHost = {
  messages: [],
  methods: [],
  heights: [],
  async mount({ html, csp, hostContext }) {
    const slot = document.getElementById('slot') as HTMLElement;
    const iframe = document.createElement('iframe');
    iframe.setAttribute('sandbox', 'allow-scripts');
    iframe.title = 'Training view';
    slot.replaceChildren(iframe);
    const view = iframe.contentWindow as Window;
    window.addEventListener('message', (event) => {
      if (event.source !== view) return;
      const data = event.data as { method?: unknown };
      this.methods.push(typeof data?.method === 'string' ? data.method : 'response');
    });
    bridge = new AppBridge(null, { name: 'test-host', version: '1.0.0' }, { message: { text: {} } }, { hostContext });
    bridge.onmessage = async ({ content }) => {
      for (const block of content) if (block.type === 'text') this.messages.push(block.text);
      return {};
    };
    bridge.onsizechange = ({ height }) => {
      if (height === undefined) return;
      this.heights.push(height);
      iframe.style.height = `${height}px`;
    };
    const initialized = new Promise<void>((resolve) => {
      if (bridge) bridge.oninitialized = () => resolve();
    });
    // Connected before the view runs, or its ui/initialize would find nobody listening.
    await bridge.connect(new PostMessageTransport(view, view));
    const policy = `<meta http-equiv="Content-Security-Policy" content="${cspFor(csp)}">`;
    iframe.srcdoc = html.replace(/<head[^>]*>/i, (head) => `${head}${policy}`);
    await initialized;
    return { appName: bridge.getAppVersion()?.name };
  },
  async deliver({ toolInput, toolResult }) {
    await bridge?.sendToolInput({ arguments: toolInput });
    await bridge?.sendToolResult(toolResult);
  },
  async setContext(context) {
    bridge?.setHostContext(context);
  },
  async teardown() {
    return bridge?.teardownResource({});
  },
};
