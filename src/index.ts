#!/usr/bin/env node
/** The bin: loadConfig(argv, env) -> (sandbox?) -> buildServer -> stdio. The only module that reads process.* or exits. */
import v8 from 'node:v8';
import { type AuditLog, createAuditLog } from './audit.js';
import { type Clock, systemClock } from './clock.js';
import { type Config, help, loadConfig } from './config.js';
import { ConfigError } from './errors.js';
import { MemoryLocks } from './locks.js';
import { batchedWriter, createLogger, type Logger } from './log.js';
import { isLoopbackHost } from './net.js';
import { secretForms } from './secrets.js';
import { buildServer, INSTRUCTIONS, SANDBOX_PREFIX, type ServerDeps } from './server.js';
import { StackOneClient } from './stackone/client.js';
import { Directory } from './stackone/directory.js';
import { TOOLS } from './tools/index.js';
import { serveStdio } from './transports/stdio.js';
import { NAME, unsupportedNode, VERSION } from './version.js';

// A smaller young generation keeps RSS flat under sustained load (measured: stdio RSS growth over 20,000 calls
// 12-20% -> under 5%, throughput unchanged; docs/SOAK.md). An operator's own NODE_OPTIONS setting wins.
if (!`${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`.includes('semi-space')) {
  v8.setFlagsFromString('--max-semi-space-size=4');
}

async function main(): Promise<void> {
  const tooOld = unsupportedNode(process.versions.node, process.execPath);
  if (tooOld) {
    process.stderr.write(`${NAME}: ${tooOld}\n`);
    process.exit(2);
  }
  let action: ReturnType<typeof loadConfig>;
  try {
    action = loadConfig(process.argv.slice(2), process.env, TOOLS);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${NAME}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (action.kind === 'help') {
    process.stderr.write(help(TOOLS));
    return;
  }
  if (action.kind === 'version') {
    process.stderr.write(`${VERSION}\n`);
    return;
  }
  const { config } = action;
  // The one clock of the process: everything below reads "now" from it, never from Date itself.
  const now = systemClock;
  const logger = createLogger(
    config.logLevel,
    batchedWriter((chunk) => process.stderr.write(chunk)),
    now,
  );
  for (const warning of config.warnings) logger.warn(warning);
  let audit: AuditLog;
  try {
    // Audit lines go straight to stderr, not through the batched logger: a line that reached the OS survives a crash.
    audit = createAuditLog(config.audit, {
      secrets: [...secretForms(config.apiKey), ...(config.http.authToken ? [config.http.authToken] : [])],
      stderr: (line) => process.stderr.write(line),
      now,
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${NAME}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  // A stray error must not take the server down with calls in flight: log it (stderr) and keep serving.
  process.on('uncaughtException', (error) => logger.error('uncaught exception', { error: error.message }));
  process.on('unhandledRejection', (reason) =>
    logger.error('unhandled rejection', { error: reason instanceof Error ? reason.message : String(reason) }),
  );

  const upstream = config.sandbox ? await sandboxUpstream(config, logger, now) : realUpstream(config, logger);
  const stackone = new StackOneClient({
    baseUrl: upstream.baseUrl,
    now,
    timeoutMs: config.timeoutMs,
    userAgent: `${NAME}/${VERSION} (node ${process.versions.node})`,
    onAttempt: (e) => logger.debug('upstream', { ...e }),
  });
  // MCP_CACHE_URL: replicas share cached lists, walks and write locks; imported only when set (a chunk of its own).
  const shared = config.cacheUrl
    ? (await import('./cache/index.js')).openShared(config.cacheUrl, { logger, directoryTtlMs: config.directoryTtlMs })
    : undefined;
  const closeAll = async () => {
    await shared?.close();
    await stackone.close();
    await upstream.close();
    audit.close();
  };
  const controls = {
    tools: TOOLS.filter((t) => config.tools.includes(t.name)),
    allowedAccountIds: config.allowedAccountIds,
    // One cache for the process: every stdio call and every stateless HTTP request shares it, keyed per tenant.
    directory: new Directory({ ttlMs: config.directoryTtlMs, now, ...shared?.directory }),
    // One set of write locks for the process: identical creates over stdio and every HTTP request wait in turn.
    locks: shared?.locks ?? new MemoryLocks(),
    audit,
    now,
  };
  if (config.transport === 'stdio') {
    const deps: ServerDeps = { stackone, logger, ...controls, ...upstream.deps, caller: { kind: 'stdio' } };
    // Calls still running when the client closes stdin get their own time limit, twice over (a create's follow-up
    // check runs on its own budget), to finish and be answered.
    serveStdio(() => buildServer(deps), logger, { drainMs: 2 * config.timeoutMs + 5_000 }, closeAll);
    return;
  }

  const { boundAddress, depsForTenant, serveHttp } = await import('./transports/http.js');
  const oauth = config.http.oauth;
  let verifier: import('./auth/oauth.js').OAuthVerifier | undefined;
  if (oauth) {
    const { createOAuthVerifier } = await import('./auth/oauth.js');
    verifier = createOAuthVerifier(oauth, { now });
    // Fail fast on a wrong MCP_OAUTH_ISSUER: otherwise every request would answer 500 until someone looked.
    try {
      await verifier.metadata();
    } catch (error) {
      process.stderr.write(`${NAME}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    }
  }
  const http = await serveHttp({
    ...config.http,
    logger,
    now,
    tools: controls.tools,
    ...(verifier ? { verifier } : {}),
    // Each request runs with only its own credentials: nothing is shared between tenants.
    depsFor: (tenant) =>
      depsForTenant({ stackone, logger, ...controls, ...upstream.deps }, tenant, { sandbox: config.sandbox }),
  });
  logger.info('listening', {
    bound: boundAddress(http),
    url: `${http.url}/mcp`,
    auth: oauth ? 'oauth' : config.http.authToken ? 'bearer' : 'none',
    ...(oauth ? { issuer: oauth.issuer, resource: oauth.resourceUrl.href } : {}),
  });
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down: finishing in-flight requests', { why });
    await http.shutdown(config.http.requestTimeoutMs);
    await closeAll();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

interface Upstream {
  baseUrl: URL;
  deps: Pick<ServerDeps, 'apiKey' | 'accountId' | 'summaryPrefix' | 'instructions'>;
  close(): Promise<void>;
}

function realUpstream(config: Config, logger: Logger): Upstream {
  if (!config.apiKey && config.transport === 'http') {
    logger.info(
      'STACKONE_API_KEY is not set: each request must bring its own StackOne key (Authorization: Basic, or x-stackone-api-key).',
    );
  } else if (!config.apiKey) {
    logger.warn(
      'STACKONE_API_KEY is not set: the tools are listed, but every call will answer with how to set it. Set it in the "env" block of your MCP client config, or try --sandbox.',
    );
  }
  if (config.baseUrl.protocol === 'http:' && !isLoopbackHost(config.baseUrl.hostname)) {
    logger.warn('STACKONE_BASE_URL uses plain http to a remote host: the API key would cross the network unencrypted.');
  }
  return {
    baseUrl: config.baseUrl,
    deps: { apiKey: config.apiKey, accountId: config.accountId },
    close: async () => {},
  };
}

/** The emulator in this process, loaded only in sandbox mode; the real key never goes to it. */
async function sandboxUpstream(config: Config, logger: Logger, now: Clock): Promise<Upstream> {
  const [{ startSandbox }, seed] = await Promise.all([import('./sandbox/serve.js'), import('./sandbox/seed.js')]);
  const sandbox = await startSandbox({ now });
  for (const fault of config.sandboxFaults) sandbox.emulator.injectFaults(1, fault);
  let accountId = seed.SANDBOX_DEFAULT_ACCOUNT;
  if (config.accountId && seed.ACCOUNTS.some((a) => a.id === config.accountId)) accountId = config.accountId;
  else if (config.accountId) {
    logger.warn(`sandbox mode: account ${config.accountId} is not a sandbox account; using ${accountId}.`);
  }
  // No URL here: the emulator is an internal detail, and over HTTP the one URL a person should act on is the
  // server's own, in the "listening" line.
  logger.info('sandbox mode: answering from the embedded StackOne LMS emulator', {
    account: accountId,
    faults: config.sandboxFaults.length,
  });
  return {
    baseUrl: new URL(sandbox.url),
    deps: {
      apiKey: seed.SANDBOX_API_KEY,
      accountId,
      summaryPrefix: SANDBOX_PREFIX,
      instructions: `${seed.sandboxInstructions()}\n${INSTRUCTIONS}`,
    },
    close: () => sandbox.close(),
  };
}

main().catch((error: unknown) => {
  // Last resort: say what broke on stderr (never stdout), without a stack full of paths for the model.
  process.stderr.write(`${NAME}: fatal: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
