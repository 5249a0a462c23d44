import type { Server } from 'node:http';
import type { Logger } from '../ops/logger.js';

/** What of the app a shutdown drives (src/app.ts; named here, as http sits below the app). */
export interface Drainable {
  beginShutdown(): void;
  stopAccepting(): void;
  close(): Promise<void>;
}

export interface ShutdownOptions {
  server: Server;
  app: Drainable;
  logger: Logger;
  /** SIGTERM: seconds between readiness turning 503 and the listener closing (`SHUTDOWN_DELAY_SECONDS`). */
  delaySeconds: number;
  /** Seconds the requests in flight then have to finish before they are cut (`SHUTDOWN_TIMEOUT_SECONDS`). */
  timeoutSeconds: number;
  /** Runs after the database is closed (exporting the last spans); given at most 5 s. */
  finally?: () => Promise<void>;
}

/**
 * The shutdown a load balancer or Kubernetes expects. On SIGTERM /readyz turns 503 at once while
 * every other request is still served, so the balancer stops sending new ones; after the delay
 * the listener closes (new connections are refused, requests on open ones get 503), the requests
 * in flight finish, the database closes and the process exits 0 (1 if the timeout cut requests
 * off). SIGINT, a person at a terminal, skips the delay, and so does a second signal.
 */
export function shutDownOnSignals({
  server,
  app,
  logger,
  delaySeconds,
  timeoutSeconds,
  finally: last,
}: ShutdownOptions): void {
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

  let closing = false;
  const close = () => {
    if (closing) return;
    closing = true;
    clearTimeout(delay);
    app.stopAccepting();
    server.close();
    server.closeIdleConnections();
    const deadline = setTimeout(() => {
      logger.warn({ in_flight: inFlight }, `requests still in flight after ${timeoutSeconds} s; cutting them off`);
      server.closeAllConnections();
      process.exit(1);
    }, timeoutSeconds * 1000);
    deadline.unref();
    void (async () => {
      await idle();
      server.closeAllConnections();
      try {
        await app.close();
      } catch (error) {
        logger.error({ err: error }, 'closing the database failed');
        process.exit(1);
      }
      // Drained and closed: exporting the last spans has its own bound, and cannot make this a failure.
      clearTimeout(deadline);
      if (last) {
        const finished = await Promise.race([
          last().then(() => true),
          new Promise<false>((resolve) => setTimeout(resolve, 5000, false).unref()),
        ]);
        if (!finished) logger.warn('gave up exporting the last spans after 5 s');
      }
      process.exit(0);
    })();
  };

  let delay: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (delay !== undefined || closing) return close();
    app.beginShutdown();
    const wait = signal === 'SIGTERM' ? delaySeconds : 0;
    if (wait > 0)
      logger.info(
        { signal },
        `${signal}: readiness is 503; the listener closes in ${wait} s, then requests in flight finish`,
      );
    delay = setTimeout(close, wait * 1000);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
