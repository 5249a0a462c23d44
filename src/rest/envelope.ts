import { STATUS_CODES } from 'node:http';
import { DomainError } from '../domain/errors.js';
import { formatTimestamp } from '../domain/time.js';
import type { ApiErrorExtensions } from '../graphql/errors.js';
import { Response } from '../http/fetch-api.js';

export const json = (body: unknown, status: number, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    statusText: STATUS_CODES[status] ?? '',
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });

// The code of each error response built here, for the metrics, without parsing bodies again.
const errorCodes = new WeakMap<Response, string>();
export const errorCodeOf = (response: Response): string | undefined => errorCodes.get(response);

/** The documented error envelope, from the extensions a GraphQL error carries. */
export function envelope(message: string, ext: ApiErrorExtensions, headers: Record<string, string> = {}): Response {
  const response = json(
    {
      success: false,
      error: {
        code: ext.code,
        message,
        system_message: ext.system_message,
        type: ext.type,
        status: ext.status,
        details: ext.details,
        trace_id: ext.trace_id,
        timestamp: ext.timestamp,
      },
    },
    ext.status,
    headers,
  );
  errorCodes.set(response, ext.code);
  return response;
}

/** For failures decided by the HTTP layer itself, before any GraphQL operation runs. */
export function domainErrorResponse(error: DomainError, traceId: string, now: number, headers: Record<string, string> = {}) {
  return envelope(
    error.message,
    {
      code: error.code,
      status: error.status,
      type: error.type,
      system_message: error.systemMessage,
      details: error.details,
      trace_id: traceId,
      timestamp: formatTimestamp(now),
    },
    headers,
  );
}
