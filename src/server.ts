import { createServer } from 'node:http';
import { createServerAdapter } from '@whatwg-node/server';
import { createApp } from './app.js';
import { openDatabase } from './db/connection.js';
import { loadConfig } from './config.js';
import { createLogger } from './ops/logger.js';
import { createMetrics } from './ops/metrics.js';
import { ManifestError, readManifest, TrustedDocuments } from './graphql/trusted-documents.js';

const config = loadConfig();
// Pretty lines for a person at a terminal, JSON lines for everything else (files, collectors).
const logger = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY === true });
// A manifest that cannot be used stops the start with one line, before the database is touched.
const trustedDocuments = startupOrExit(() =>
  config.trustedDocuments ? new TrustedDocuments(true, readManifest(config.trustedDocuments)) : undefined,
);
const database = await openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
const app = startupOrExit(() =>
  createApp({
    logger,
    metrics: createMetrics({ processMetrics: true }),
    database,
    publicUrl: process.env['PUBLIC_URL'] ? config.publicUrl : undefined,
    introspection: config.introspection,
    fieldSuggestions: config.fieldSuggestions,
    corsOrigins: config.corsOrigins,
    rateLimitPerMinute: config.rateLimitPerMinute,
    costBudget: config.costBudget,
    costLimit: config.costLimit,
    // Its documents are validated through the pipeline when the app is built.
    trustedDocuments,
  }),
);
/** A start-up failure of the operator's making (a bad manifest): `error: …` and exit 1, no stack trace. */
function startupOrExit<T>(start: () => T): T {
  try {
    return start();
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(1);
  }
}

// Slow or oversized requests are cut off by Node before they reach the app: 10 s to send headers
// (at most 16 KiB of them; more is a 431), 30 s for the whole request.
const server = createServer(
  { headersTimeout: 10_000, requestTimeout: 30_000, maxHeaderSize: 16 * 1024 },
  createServerAdapter((request: Request) => app.fetch(request)),
);

server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  console.log(`music-gateway ready at http://${host}:${port}/graphql (database ${config.databaseUrl})`);
});

// Requests are counted where Node sees them: a body still arriving is already in flight.
let inFlight = 0;
let onIdle: (() => void) | null = null;
server.on('request', (_req, res) => {
  inFlight++;
  res.once('close', () => {
    if (--inFlight === 0) onIdle?.();
  });
});
const idle = () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onIdle = resolve)));

// SIGTERM/SIGINT: stop accepting connections, answer 503 to new requests on open ones, let the
// requests in flight finish, then close the database cleanly and exit 0 (after 10 s: cut, exit 1).
const DRAIN_DEADLINE_MS = 10_000;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.stopAccepting();
    server.close();
    server.closeIdleConnections();
    const deadline = setTimeout(() => {
      server.closeAllConnections();
      process.exit(1);
    }, DRAIN_DEADLINE_MS);
    deadline.unref();
    void idle()
      .then(() => {
        server.closeAllConnections();
        return app.close();
      })
      .then(() => process.exit(0));
  });
}
