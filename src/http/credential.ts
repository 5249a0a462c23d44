import { hashSecret } from '../domain/viewer.js';

/** Anything that answers header lookups: a Fetch `Headers`, or an adapter over Node's raw headers. */
export interface HeaderSource {
  get(name: string): string | null | undefined;
}

/**
 * The API key a request presents (`X-API-Key: <secret>` or `Authorization: Bearer <secret>`),
 * read and hashed here once per request. The hash is what everything downstream keys on: the
 * request-rate bucket, the cost budget and the domain's key lookup; the secret goes no further.
 */
export function presentedKeyHash(headers: HeaderSource): string | null {
  const secret = presentedSecret(headers);
  return secret === null ? null : hashSecret(secret);
}

function presentedSecret(headers: HeaderSource): string | null {
  const apiKey = headers.get('x-api-key');
  if (apiKey) return apiKey.trim() || null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '');
  return match?.[1] ?? null;
}
