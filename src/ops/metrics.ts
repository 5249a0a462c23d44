import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TransactionTiming } from '../db/connection.js';
import type { OperationFact } from '../domain/deps.js';
import { errorCatalog } from '../domain/errors.js';

// Every label value comes from a small fixed set (route templates, methods, status codes, error
// codes), never from a raw path or an id, so the number of series stays bounded.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const label = {
  method: (method: string) => (METHODS.has(method) ? method : 'OTHER'),
  code: (code: string) => (code in errorCatalog ? code : 'OTHER'),
};

export interface RequestObservation {
  method: string;
  route: string;
  status: number;
  seconds: number;
  errorCodes: Iterable<string>;
  /** The GraphQL operations a /graphql request ran or refused. */
  operations?: readonly OperationFact[];
}

/**
 * Operation names come from clients, so they are admitted as label values only up to a bound:
 * the first MAX_OPERATION_NAMES distinct names of operations that ran (a name that merely failed
 * to validate claims none), each at most 100 characters. Every later name is counted as `(other)`,
 * so a client sending a million distinct names adds one series, not a million.
 */
export const MAX_OPERATION_NAMES = 100;
const MAX_NAME_LENGTH = 100;
export const OPERATION_LABEL = { anonymous: '(anonymous)', other: '(other)', unknown: '(unknown)' } as const;

export interface Metrics {
  readonly registry: Registry;
  requestStarted(): void;
  requestFinished(observation: RequestObservation): void;
  transaction(timing: TransactionTiming): void;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // Off in tests, which build many apps: each collector starts its own event-loop monitor. The
  // standard names (process_*, nodejs_*), which stock Node.js dashboards query.
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'music_gateway_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'music_gateway_http_request_duration_seconds',
    help: 'Time from receiving a request to having its response, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'music_gateway_http_requests_in_flight',
    help: 'Requests being answered now',
    registers: [registry],
  });
  const errors = new Counter({
    name: 'music_gateway_errors_total',
    help: 'Responses carrying a documented error code, by code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const txBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];
  const txHold = new Histogram({
    name: 'music_gateway_db_transaction_duration_seconds',
    help: 'Time inside one write transaction attempt (on SQLite, holding the write lock), by outcome',
    labelNames: ['outcome'] as const,
    buckets: txBuckets,
    registers: [registry],
  });
  const txRetries = new Counter({
    name: 'music_gateway_db_transaction_retries_total',
    help: 'Write transactions the database aborted and the gateway ran again, by reason (PostgreSQL; expected to stay at 0)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const txWait = new Histogram({
    name: 'music_gateway_db_transaction_wait_seconds',
    help: 'Time a write transaction waited behind others in this process before it began',
    buckets: txBuckets,
    registers: [registry],
  });

  const operations = new Counter({
    name: 'music_gateway_graphql_operations_total',
    help: 'GraphQL operations on /graphql, by operation name (bounded), type and outcome (success, error, rejected)',
    labelNames: ['operation_name', 'operation_type', 'outcome'] as const,
    registers: [registry],
  });
  const operationDuration = new Histogram({
    name: 'music_gateway_graphql_operation_duration_seconds',
    help: 'Execution time of GraphQL operations that ran, by operation name (bounded) and type',
    labelNames: ['operation_name', 'operation_type'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const admitted = new Set<string>();
  const operationName = ({ name, type, outcome }: OperationFact): string => {
    if (type === undefined) return OPERATION_LABEL.unknown;
    if (name === undefined) return OPERATION_LABEL.anonymous;
    if (admitted.has(name)) return name;
    if (outcome === 'rejected' || name.length > MAX_NAME_LENGTH || admitted.size >= MAX_OPERATION_NAMES)
      return OPERATION_LABEL.other;
    admitted.add(name);
    return name;
  };

  return {
    registry,
    requestStarted: () => inFlight.inc(),
    requestFinished({ method, route, status, seconds, errorCodes, operations: ran }) {
      inFlight.dec();
      const labels = { method: label.method(method), route, status: String(status) };
      requests.inc(labels);
      duration.observe(labels, seconds);
      for (const code of errorCodes) errors.inc({ code: label.code(code) });
      for (const operation of ran ?? []) {
        const name = operationName(operation);
        const type = operation.type ?? OPERATION_LABEL.unknown;
        operations.inc({ operation_name: name, operation_type: type, outcome: operation.outcome });
        if (operation.seconds !== undefined)
          operationDuration.observe({ operation_name: name, operation_type: type }, operation.seconds);
      }
    },
    transaction({ waitSeconds, holdSeconds, committed, retried }) {
      txWait.observe(waitSeconds);
      txHold.observe({ outcome: committed ? 'commit' : 'rollback' }, holdSeconds);
      if (retried) txRetries.inc({ reason: retried });
    },
  };
}
