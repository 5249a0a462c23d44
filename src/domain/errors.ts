/**
 * The one vocabulary of failures. Every layer above maps these codes, and only these, to
 * GraphQL `extensions` and to the REST envelope, so a rule's error is written once.
 */
export const errorCatalog = {
  AUTHENTICATION_REQUIRED: {
    status: 401,
    type: 'authentication_error',
    message: 'Authentication required. Please provide a valid API key.',
  },
  ORGANIZATION_ACCESS_DENIED: {
    status: 403,
    type: 'authorization_error',
    message: "You don't have access to this organization.",
  },
  INSUFFICIENT_PERMISSIONS: {
    status: 403,
    type: 'authorization_error',
    message: 'You do not have permission to perform this action.',
  },
  // For surfaces with no organization in the path (the Groove shim), see resolveOrganization.
  AMBIGUOUS_ORGANIZATION: {
    status: 400,
    type: 'client_error',
    message: 'Please specify which organization to use.',
  },
  NO_ORGANIZATION_MEMBERSHIP: {
    status: 403,
    type: 'authorization_error',
    message: 'You are not a member of any organization.',
  },
  RESOURCE_NOT_FOUND: { status: 404, type: 'client_error', message: 'The requested resource was not found.' },
  VALIDATION_ERROR: { status: 422, type: 'validation_error', message: 'The request payload is invalid.' },
  COLLECTION_CONCURRENT_UPDATE: {
    status: 409,
    type: 'conflict_error',
    message: 'The collection was changed by someone else. Reload it and try again.',
  },
  // Per item of a batch add: the collection already holds the track (a collection holds a track once).
  TRACK_ALREADY_IN_COLLECTION: {
    status: 409,
    type: 'conflict_error',
    message: 'The track is already in the collection.',
  },
  // A move that does not fit the collection as it is: a range or an insertion point past its end,
  // a track to move (or to insert before) that it does not hold.
  INVALID_TRACK_MOVE: { status: 422, type: 'validation_error', message: 'The tracks cannot be moved as asked.' },
  INVALID_REQUEST_BODY: { status: 400, type: 'client_error', message: 'The request body could not be read.' },
  GRAPHQL_PARSE_FAILED: { status: 400, type: 'client_error', message: 'The GraphQL document could not be parsed.' },
  GRAPHQL_VALIDATION_FAILED: {
    status: 400,
    type: 'client_error',
    message: 'The GraphQL operation is not valid for this schema.',
  },
  QUERY_LIMIT_EXCEEDED: {
    status: 400,
    type: 'client_error',
    message: 'The GraphQL operation is too large or too complex.',
  },
  // With a trusted-document manifest (GRAPHQL_TRUSTED_DOCUMENTS) only its documents run.
  PERSISTED_QUERY_NOT_FOUND: { status: 400, type: 'client_error', message: 'No trusted document has this id.' },
  TRUSTED_DOCUMENT_REQUIRED: {
    status: 400,
    type: 'client_error',
    message: 'This gateway runs only trusted documents. Send the id of one from its manifest.',
  },
  CSRF_HEADER_REQUIRED: {
    status: 403,
    type: 'client_error',
    message: 'Send a JSON content type or an X-API-Key, Authorization or X-GraphQL-CSRF header.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, type: 'client_error', message: 'The request body is too large.' },
  RATE_LIMIT_EXCEEDED: {
    status: 429,
    type: 'rate_limit_error',
    message: 'Too many requests. Please retry after the time given in Retry-After.',
  },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'client_error', message: 'The request body must be JSON.' },
  ENDPOINT_NOT_FOUND: { status: 404, type: 'client_error', message: 'No endpoint exists at this path.' },
  METHOD_NOT_ALLOWED: { status: 405, type: 'client_error', message: 'This endpoint does not support this method.' },
  SERVICE_UNAVAILABLE: {
    status: 503,
    type: 'server_error',
    message: 'The server is shutting down. Please retry.',
  },
  INTERNAL_SERVER_ERROR: {
    status: 500,
    type: 'server_error',
    message: 'An unexpected error occurred. Please try again later.',
  },
} as const satisfies Record<string, { status: number; type: string; message: string }>;

export type ErrorCode = keyof typeof errorCatalog;
export type ErrorDetails = Record<string, string | number | boolean | null>;

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly systemMessage: string;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, systemMessage: string, details: ErrorDetails = {}, message?: string) {
    super(message ?? errorCatalog[code].message);
    this.name = 'DomainError';
    this.code = code;
    this.systemMessage = systemMessage;
    this.details = details;
  }

  get status(): number {
    return errorCatalog[this.code].status;
  }

  get type(): string {
    return errorCatalog[this.code].type;
  }
}

/**
 * What is wrong with one input value, as data, so each surface can word it in its own vocabulary
 * (a REST client reads `name is required`, a GraphQL client the coercion message of its variable).
 * `field` is the snake_case name of the innermost named input at fault.
 */
export interface InputProblem {
  field: string;
  problem: 'missing' | 'null' | 'type' | 'unknown';
  /** For `type`: what the value must be, in plain words ("a number", "one of creation, focus"). */
  expected?: string;
  /** The value at fault is an entry of the list `field` holds, not the whole of it. */
  entry?: boolean;
}

/** A value that could not be taken as the input it was sent for: VALIDATION_ERROR on every surface. */
export class InputError extends DomainError {
  readonly input: InputProblem;

  constructor(input: InputProblem, systemMessage: string) {
    super('VALIDATION_ERROR', systemMessage, { field: input.field });
    this.name = 'InputError';
    this.input = input;
  }
}

export const authenticationRequired = () =>
  new DomainError('AUTHENTICATION_REQUIRED', 'Missing or invalid authorization header');

export const collectionNotFound = (collectionId: string) =>
  new DomainError('RESOURCE_NOT_FOUND', 'Music collection not found or not owned by caller', {
    collection_id: collectionId,
  });

// The documented track 404 words its message differently from the collection one.
export const trackNotFound = (trackId: string) =>
  new DomainError(
    'RESOURCE_NOT_FOUND',
    'Music track not found',
    { track_id: trackId },
    'The requested resource could not be found.',
  );

export const invalidField = (field: string, systemMessage: string) =>
  new DomainError('VALIDATION_ERROR', systemMessage, { field });
