import { newId } from '../db/ids.js';

/**
 * An inbound `X-Request-Id` is kept when it is 1-128 characters of letters, digits and
 * `_ . : @ = + / -` (what proxies and platforms generate: UUIDs, hex, ULIDs, `req_…`), so one id
 * follows a request through the proxy's log and ours; anything else is replaced by a new `req_…`.
 * The id ends up in log lines, error bodies and audit rows, so it must stay short and plain.
 */
export const MAX_REQUEST_ID_LENGTH = 128;
/** As a JSON Schema pattern too, for the OpenAPI document. */
export const REQUEST_ID_PATTERN = `^[A-Za-z0-9_.:@=+/-]{1,${MAX_REQUEST_ID_LENGTH}}$`;
const REQUEST_ID = new RegExp(REQUEST_ID_PATTERN);

export function requestIdOf(headers: Headers): string {
  const inbound = headers.get('x-request-id');
  return inbound !== null && REQUEST_ID.test(inbound) ? inbound : newId('req_');
}

// W3C Trace Context: version-traceid-parentid-flags, lowercase hex. Version ff is invalid, and
// version 00 has exactly these four fields; later versions may append more.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The trace id of a well-formed `traceparent` header, else undefined. */
export function traceIdOf(headers: Headers): string | undefined {
  const value = headers.get('traceparent');
  if (value === null) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, parentId, , rest] = m;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  return traceId;
}
