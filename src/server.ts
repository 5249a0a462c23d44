import { createServer, type Server } from 'node:http';
import { createApp } from './app.js';
import { dialectOf, openDatabase, type Database } from './db/connection.js';
import { ConfigError, loadConfig } from './config.js';
import { shutDownOnSignals } from './http/shutdown.js';
import { createLogger } from './ops/logger.js';
import { createMetrics } from './ops/metrics.js';
import { ManifestError, readManifest, TrustedDocuments } from './graphql/trusted-documents.js';
import { databaseFailure, listenFailure, redactDatabaseUrl } from './ops/startup-errors.js';
import { startTracing, type Tracing } from './ops/tracing.js';

/** A start-up failure already worded for the operator. */
class StartupError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

const listen = (server: Server, port: number, host: string) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

async function main(): Promise<void> {
  const config = loadConfig();
  // Pretty lines for a person at a terminal, JSON lines for everything else (files, collectors).
  const logger = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY === true });
  // A manifest that cannot be used stops the start with one line, before the database is touched.
  const trustedDocuments = config.trustedDocuments
    ? new TrustedDocuments(true, readManifest(config.trustedDocuments))
    : undefined;
  const tracing: Tracing | undefined = config.tracing ? await startTracing(config.tracing) : undefined;
  let database: Database;
  try {
    database = await openDatabase(config.databaseUrl, {
      poolSize: config.databasePoolSize,
      traceStatement: tracing?.statements(dialectOf(config.databaseUrl)),
    });
  } catch (error) {
    throw new StartupError(databaseFailure(error, config.databaseUrl), { cause: error });
  }
  const app = createApp({
    logger,
    metrics: createMetrics({ processMetrics: true }),
    database,
    publicUrl: process.env.PUBLIC_URL?.trim() ? config.publicUrl : undefined,
    introspection: config.introspection,
    fieldSuggestions: config.fieldSuggestions,
    corsOrigins: config.corsOrigins,
    rateLimitPerMinute: config.rateLimitPerMinute,
    costBudget: config.costBudget,
    costLimit: config.costLimit,
    // Its documents are validated through the pipeline when the app is built (a ManifestError if one fails).
    trustedDocuments,
    tracing,
  });
  // Slow or oversized requests are cut off by Node before they reach the app: 10 s to send headers
  // (at most 16 KiB of them; more is a 431), 30 s for the whole request.
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000, maxHeaderSize: 16 * 1024 }, app.handle);
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await app.close();
    throw new StartupError(listenFailure(error, config.host, config.port), { cause: error });
  }
  shutDownOnSignals({
    server,
    app,
    logger,
    delaySeconds: config.shutdownDelaySeconds,
    timeoutSeconds: config.shutdownTimeoutSeconds,
    finally: tracing && (() => tracing.shutdown()),
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  console.log(
    `music-gateway ready at http://${host}:${port}/graphql (database ${redactDatabaseUrl(config.databaseUrl)})`,
  );
}

// One line an operator can act on, and a non-zero exit; the stack trace only when asked for.
main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof StartupError || error instanceof ManifestError;
  const message = known ? (error as Error).message : `start-up failed: ${(error as Error)?.message ?? String(error)}`;
  process.stderr.write(`error: ${message}\n`);
  if (/^(debug|trace)$/i.test(process.env.LOG_LEVEL?.trim() ?? '')) {
    const cause = error instanceof StartupError ? error.cause : error;
    process.stderr.write(`${(cause as Error)?.stack ?? String(cause)}\n`);
  } else if (!known) {
    process.stderr.write('(LOG_LEVEL=debug prints its stack trace)\n');
  }
  process.exit(1);
});
