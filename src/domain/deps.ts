import type { Database } from '../db/database.js';

/** What every domain function needs besides the viewer and its input. */
export interface Deps {
  database: Database;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now: () => number;
  /** Recorded on audit rows so a request's effects can be traced. */
  traceId: string;
  /** Where clients reach this gateway, e.g. `https://music.example.com`; share URLs start with it. */
  origin: string;
  /** Facts learnt while serving the request, for its log line and metrics; absent outside requests. */
  facts?: RequestFacts;
}

/** Filled in by whichever layer learns each fact; never holds a secret. */
export interface RequestFacts {
  /** The route template (`/v1/music/:organization_id/collections`, `/graphql`), never the raw path. */
  route?: string;
  /** The API key that authenticated the request. */
  keyId?: string;
  organizationId?: string;
  /** Documented error codes the response carries. */
  errorCodes: Set<string>;
  /** Unexpected errors that were masked as INTERNAL_SERVER_ERROR, logged with the request. */
  unexpected: unknown[];
  /** W3C trace context: the trace the request belongs to and, when traced, its own span. */
  w3cTraceId?: string;
  w3cSpanId?: string;
  /** The GraphQL operations a /graphql request ran or refused, for the per-operation metrics. */
  operations?: OperationFact[];
}

export interface OperationFact {
  /** The operation's name as written; undefined for an anonymous one or a document that did not parse. */
  name: string | undefined;
  type: 'query' | 'mutation' | 'subscription' | undefined;
  /** success: ran without errors; error: ran with errors; rejected: refused before it ran. */
  outcome: 'success' | 'error' | 'rejected';
  /** Execution time, for operations that ran. */
  seconds?: number;
}
