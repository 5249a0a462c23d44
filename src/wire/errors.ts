import { STATUS_CODES } from 'node:http';
import { type DomainError, errorCatalog, InputError, type ErrorCode, type ErrorDetails } from '../domain/errors.js';
import { BATCH_MAX_IDS } from '../domain/limits.js';
import { formatTimestamp } from '../domain/time.js';
import { Response } from './fetch-api.js';

// The error vocabulary's wire forms, one per surface, all from the same DomainError: GraphQL
// `extensions`, the REST envelope, and the Groove envelope. Nothing here knows GraphQL or routing;
// the layers above hand over a DomainError and say which surface answers.

export type Surface = 'graphql' | 'rest' | 'groove';

/** The documented error fields: GraphQL `extensions`, and on REST the envelope's `error`. */
export type ApiErrorExtensions = {
  code: ErrorCode;
  status: number;
  type: string;
  system_message: string;
  details: ErrorDetails;
  trace_id: string;
  timestamp: string;
};

/** GraphQL clients read the system message as raised (a variable's coercion names `$input.name`). */
export function extensionsOf(
  error: DomainError,
  traceId: string,
  now: number,
  systemMessage = error.systemMessage,
): ApiErrorExtensions {
  return {
    code: error.code,
    status: error.status,
    type: error.type,
    system_message: systemMessage,
    details: error.details,
    trace_id: traceId,
    timestamp: formatTimestamp(now),
  };
}

/**
 * The system message in the words of a REST or Groove client: an input problem names the snake_case
 * field and a JSON type, never a GraphQL variable or type; domain messages are already such words.
 */
export function restWords(error: DomainError): string {
  if (!(error instanceof InputError)) return error.systemMessage;
  const { field, problem, expected, entry } = error.input;
  switch (problem) {
    case 'missing':
      return `${field} is required`;
    case 'null':
      return entry ? `${field} must not contain null` : `${field} must not be null`;
    case 'unknown':
      return `${field} is not a known field`;
    case 'type':
      return `${entry ? `every entry of ${field}` : field} must be ${expected ?? 'a valid value'}`;
  }
}

/** The REST envelope (`{"success": false, "error": {…}}`), as the reference pages show it. */
export function restErrorBody(error: DomainError, traceId: string, now: number) {
  const ext = extensionsOf(error, traceId, now, restWords(error));
  return {
    success: false as const,
    error: {
      code: ext.code,
      message: error.message,
      system_message: ext.system_message,
      type: ext.type,
      status: ext.status,
      details: ext.details,
      trace_id: ext.trace_id,
      timestamp: ext.timestamp,
    },
  };
}

export interface GrooveError {
  ErrorCode: string;
  Description: string;
  Message?: string;
}

/** Our codes in Groove's vocabulary; codes Groove has no word for keep their own name and status. */
const GROOVE_CODES: Partial<
  Record<ErrorCode, { code: string; status: number; description: string; message?: string }>
> = {
  AUTHENTICATION_REQUIRED: {
    code: 'INVALID_AUTHORIZATION_HEADER',
    status: 401,
    description: 'Missing or invalid authorization header',
    message: 'You need user authentication to use this API',
  },
  VALIDATION_ERROR: { code: 'INVALID_INPUT_PARAMETER', status: 400, description: 'Invalid input parameter' },
  INVALID_REQUEST_BODY: { code: 'INVALID_INPUT_PARAMETER', status: 400, description: 'Invalid input parameter' },
  UNSUPPORTED_MEDIA_TYPE: { code: 'INVALID_INPUT_PARAMETER', status: 400, description: 'Invalid input parameter' },
  // Per item: unknown, deleted, invisible and (for delete) not in the library or the playlist; as a
  // whole request: a playlist that is not the caller's.
  RESOURCE_NOT_FOUND: {
    code: 'COLLECTION_INVALID_ID',
    status: 400,
    description: 'Invalid collection id for this operation',
  },
  // Per item of an add to a playlist that already holds the track.
  TRACK_ALREADY_IN_COLLECTION: {
    code: 'COLLECTION_INVALID_ID',
    status: 400,
    description: 'Invalid collection id for this operation',
  },
  INVALID_TRACK_MOVE: {
    code: 'COLLECTION_INVALID_PLAYLIST_REORDER',
    status: 400,
    description: 'Invalid playlist reorder',
  },
  COLLECTION_CONCURRENT_UPDATE: {
    code: 'COLLECTION_CONCURRENT_UPDATE',
    status: 409,
    description: 'Concurrent collection update',
  },
  RATE_LIMIT_EXCEEDED: { code: 'TOO_MANY_REQUESTS', status: 429, description: 'Too many requests' },
  INTERNAL_SERVER_ERROR: { code: 'INTERNAL_SERVER_ERROR', status: 500, description: 'Internal server error' },
};

/**
 * Validation errors of the fields Groove has its own codes for, by the field at fault: the batch
 * limit, a playlist's name and id, browse's continuation token and ordering.
 */
const GROOVE_FIELD_CODES: Record<string, GrooveError> = {
  track_ids: {
    ErrorCode: 'COLLECTION_INVALID_OPERATION',
    Description: 'This operation is not supported',
    Message: `Number of tracks for this operation is limited to ${BATCH_MAX_IDS}`,
  },
  name: {
    ErrorCode: 'COLLECTION_INVALID_PLAYLIST_INFO',
    Description: 'Required playlist information is missing or invalid',
  },
  id: {
    ErrorCode: 'COLLECTION_INVALID_PLAYLIST_INFO',
    Description: 'Required playlist information is missing or invalid',
  },
  continuation_token: { ErrorCode: 'CONTINUATION_TOKEN_INVALID_ERROR', Description: 'Invalid continuation token' },
  order_by: {
    ErrorCode: 'INCOMPATIBLE_INPUT_PARAMETERS',
    Description: 'Incompatible parameters',
    Message: 'Invalid ordering for this content',
  },
};

/** A Groove error object, and the status of a whole-request failure. */
export function grooveErrorOf(
  code: ErrorCode,
  systemMessage: string,
  details: ErrorDetails = {},
): { status: number; error: GrooveError } {
  const field = details.field;
  const byField = code === 'VALIDATION_ERROR' && typeof field === 'string' ? GROOVE_FIELD_CODES[field] : undefined;
  if (byField) return { status: 400, error: { Message: systemMessage, ...byField } };
  const mapped = GROOVE_CODES[code];
  const error: GrooveError = mapped
    ? { ErrorCode: mapped.code, Description: mapped.description, Message: mapped.message ?? systemMessage }
    : { ErrorCode: code, Description: errorCatalog[code].message, Message: systemMessage };
  return { status: mapped?.status ?? errorCatalog[code].status, error };
}

export const json = (body: unknown, status: number, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    statusText: STATUS_CODES[status] ?? '',
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });

// The code of each error response built here, for the request's log line and metrics, without
// parsing bodies again.
const errorCodes = new WeakMap<Response, string>();
export const errorCodeOf = (response: Response): string | undefined => errorCodes.get(response);

export interface ErrorResponseOptions {
  traceId: string;
  now: number;
  headers?: Record<string, string>;
}

/** A whole-request failure in the shape of the surface that was called. */
export function errorResponse(surface: Surface, error: DomainError, options: ErrorResponseOptions): Response {
  const { traceId, now, headers = {} } = options;
  let response: Response;
  if (surface === 'graphql') {
    const body = { errors: [{ message: error.message, extensions: extensionsOf(error, traceId, now) }] };
    response = new Response(JSON.stringify(body), {
      status: error.status,
      headers: { 'content-type': 'application/graphql-response+json; charset=utf-8', ...headers },
    });
  } else if (surface === 'groove') {
    const { status, error: body } = grooveErrorOf(error.code, restWords(error), error.details);
    response = json({ Error: body }, status, headers);
  } else {
    response = json(restErrorBody(error, traceId, now), error.status, headers);
  }
  errorCodes.set(response, error.code);
  return response;
}
