/**
 * The MCP Apps view (the io.modelcontextprotocol/ui extension) on the server: the one `ui://` resource that holds the
 * view's HTML, and the tool `_meta.ui.resourceUri` that links a tool to it, both through ext-apps' own server helpers.
 * ext-apps is a dev dependency that esbuild bundles (its server helpers are 561 bytes and import nothing): as a
 * runtime dependency its required peer would install the MCP client and its dependencies for every user.
 *
 * The links are advertised to every client, whether or not it announced the extension. The extension says servers
 * SHOULD check the client's capability first, but a 2025-era client over stateless HTTP is answered by a server that
 * never saw its initialize (measured: getClientCapabilities() is undefined there on tools/list and tools/call), so a
 * check would hide the view from every such host, the MCP Inspector's default among them; and a host without Apps
 * ignores `_meta`. The results themselves are the same for every client.
 */
import { RESOURCE_MIME_TYPE, registerAppResource, registerAppTool } from '@modelcontextprotocol/ext-apps/server';
import type { McpServer, ScopeChallengeHandler, ToolAnnotations, ToolCallback } from '@modelcontextprotocol/server';
import type * as z from 'zod';

export const VIEW_URI = 'ui://stackone-lms/training';

/**
 * Nothing external: no domain to connect to, load from, frame or use as a base, so the host applies its most
 * restrictive policy; the view's own meta CSP says the same. A border, so the table reads as one panel in any host.
 */
const VIEW_UI = { csp: { connectDomains: [], resourceDomains: [] }, prefersBorder: true };

export function registerView(server: McpServer): void {
  registerAppResource(
    server,
    'Training view',
    VIEW_URI,
    {
      title: 'Training table',
      description:
        "A table of a person's assignments or completions, or of the training report, with totals by status.",
      _meta: { ui: VIEW_UI },
    },
    async () => {
      // Loaded on first read: a process whose client never shows the view never parses it.
      const { VIEW_HTML } = await import('./view-html.js');
      return { contents: [{ uri: VIEW_URI, mimeType: RESOURCE_MIME_TYPE, text: VIEW_HTML, _meta: { ui: VIEW_UI } }] };
    },
  );
}

/** What buildServer passes to registerTool for every tool. */
export interface ToolRegistration {
  title: string;
  description: string;
  inputSchema: z.ZodObject;
  outputSchema: z.ZodType;
  annotations: ToolAnnotations;
  scopeChallenge?: ScopeChallengeHandler | undefined;
}

/**
 * registerTool with the view's link: registerAppTool adds `_meta.ui.resourceUri` and the flat `ui/resourceUri` that
 * hosts from before the 2026-01-26 extension read. It passes the rest of the config to registerTool as given, so
 * the scope challenge (which its config type does not name) still reaches the SDK; tests/auth holds that.
 */
export function registerViewTool(
  server: McpServer,
  name: string,
  config: ToolRegistration,
  callback: ToolCallback<z.ZodObject>,
): void {
  registerAppTool(server, name, { ...config, _meta: { ui: { resourceUri: VIEW_URI } } }, callback);
}
