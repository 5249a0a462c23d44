import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Dialect } from '../db/connection.js';
import type { StatementTracer } from '../db/traced.js';
import type { RequestFacts } from '../domain/deps.js';
import type { TracingConfig } from './tracing-config.js';

/**
 * OpenTelemetry tracing as the app sees it: a span per request (continuing an inbound
 * `traceparent`), per GraphQL operation and per SQL statement. Absent unless switched on, and every
 * caller checks for it first, so a gateway without tracing runs no tracing code at all.
 */
export interface Tracing {
  /** Runs `respond` inside the request's server span; records the W3C trace and span ids in `facts`. */
  request(
    request: Request,
    requestId: string,
    facts: RequestFacts,
    respond: () => Promise<Response>,
  ): Promise<Response>;
  /** Runs one GraphQL operation inside its span, a child of the request's. */
  operation<T>(type: string, name: string | undefined, execute: () => T | Promise<T>): Promise<T>;
  /** For `openDatabase`: a span per statement run while a request is traced. */
  statements(dialect: Dialect): StatementTracer;
  /** Exports the spans still buffered, then stops (on shutdown). */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Tests pass an in-memory exporter; spans are then exported one by one, synchronously. */
  exporter?: SpanExporter;
}

/** Loads the OpenTelemetry SDK (only now: a start without tracing never loads it) and starts it. */
export async function startTracing(config: TracingConfig, options: TracingOptions = {}): Promise<Tracing> {
  const { createOtelTracing } = await import('./otel.js');
  return createOtelTracing(config, options);
}
