#!/usr/bin/env node
/** The bin: loadConfig(argv, env) -> buildServer -> stdio. The only module that reads process.env or exits. */
import { ConfigError, HELP, isLoopbackHost, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { buildServer } from './server.js';
import { StackOneClient } from './stackone/client.js';
import { serveStdio } from './transports/stdio.js';
import { NAME, VERSION } from './version.js';

async function main(): Promise<void> {
  let action: ReturnType<typeof loadConfig>;
  try {
    action = loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${NAME}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (action.kind === 'help') {
    process.stderr.write(HELP);
    return;
  }
  if (action.kind === 'version') {
    process.stderr.write(`${VERSION}\n`);
    return;
  }
  const { config } = action;
  const logger = createLogger(config.logLevel, (line) => process.stderr.write(line));
  if (!config.apiKey) {
    logger.warn(
      'STACKONE_API_KEY is not set: the tools are listed, but every call will answer with how to set it. Set it in the "env" block of your MCP client config.',
    );
  }
  if (config.baseUrl.protocol === 'http:' && !isLoopbackHost(config.baseUrl.hostname)) {
    logger.warn('STACKONE_BASE_URL uses plain http to a remote host: the API key would cross the network unencrypted.');
  }
  const stackone = new StackOneClient({
    baseUrl: config.baseUrl,
    timeoutMs: config.timeoutMs,
    userAgent: `${NAME}/${VERSION} (node ${process.versions.node})`,
    onAttempt: (e) => logger.debug('upstream', { ...e }),
  });
  // A stray error must not take the server down with calls in flight: log it (stderr) and keep serving.
  process.on('uncaughtException', (error) => logger.error('uncaught exception', { error: error.message }));
  process.on('unhandledRejection', (reason) =>
    logger.error('unhandled rejection', { error: reason instanceof Error ? reason.message : String(reason) }),
  );
  const server = buildServer({ stackone, apiKey: config.apiKey, accountId: config.accountId, logger });
  await serveStdio(server, logger, () => stackone.close());
}

main().catch((error: unknown) => {
  // Last resort: say what broke on stderr (never stdout), without a stack full of paths for the model.
  process.stderr.write(`${NAME}: fatal: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
