/** stdio: stdout carries JSON-RPC only; the process ends on stdin EOF, SIGTERM or SIGINT. */

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Logger } from '../log.js';

export async function serveStdio(server: McpServer, logger: Logger, onClose: () => Promise<void>): Promise<void> {
  const transport = new StdioServerTransport();
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
