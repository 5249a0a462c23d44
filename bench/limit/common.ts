import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

// What the benchmark's two limit servers (sqlite.ts, postgres.ts) share: the wire forms of the
// REST routes they answer, built by hand, and the HTTP plumbing around them. Not part of the product.

export const LAST_USED_RESOLUTION_MS = 60_000;

export const ts = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
export const id = (prefix: string) => prefix + randomBytes(10).toString('hex');
export const cursor = (key: number) => Buffer.from(`k:${key}`, 'utf8').toString('base64url');

export interface Viewer {
  userId: string;
  orgs: Map<string, string[]>;
}

export interface CollectionRow {
  seq: number;
  id: string;
  organization_id: string;
  owner_id: string;
  name: string;
  description: string | null;
  cover_track_id: string | null;
  cover_image_url: string | null;
  track_count: number;
  version: number;
  created_at: number;
  updated_at: number;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: 'collection' | 'track', target: string) =>
  new HttpError(404, 'RESOURCE_NOT_FOUND', `Music ${what} not found`, { [`${what}_id`]: target });

export const unauthenticated = () => new HttpError(401, 'AUTHENTICATION_REQUIRED', 'Authentication required');
export const noRoute = () => new HttpError(404, 'ENDPOINT_NOT_FOUND', 'No route');

export function secretOf(req: IncomingMessage): string {
  const secret = (req.headers['x-api-key'] as string | undefined)?.trim();
  if (!secret) throw unauthenticated();
  return secret;
}

export function member(viewer: Viewer, org: string, capability?: string): void {
  const held = viewer.orgs.get(org);
  if (!held) throw new HttpError(403, 'ORGANIZATION_ACCESS_DENIED', 'Access to this organization is denied');
  if (capability && !held.includes(capability))
    throw new HttpError(403, 'INSUFFICIENT_PERMISSIONS', 'Insufficient permissions');
}

export const forbidden = () => new HttpError(403, 'INSUFFICIENT_PERMISSIONS', 'Insufficient permissions');

export const collectionJson = (c: CollectionRow, count: boolean) =>
  `{"id":${JSON.stringify(c.id)},"name":${JSON.stringify(c.name)},"description":${JSON.stringify(c.description)},` +
  `"cover_track_id":${JSON.stringify(c.cover_track_id)},"cover_image_url":${JSON.stringify(c.cover_image_url)},` +
  `"track_count":${count ? c.track_count : 'null'},"created_at":"${ts(c.created_at)}","updated_at":"${ts(c.updated_at)}"}`;

export const collectionsPageJson = (rows: CollectionRow[], limit: number, offset: number) =>
  `{"items":[${rows.map((r) => collectionJson(r, false)).join(',')}],"limit":${limit},"offset":${offset}}`;

export const entriesPageJson = (
  collectionId: string,
  entries: { trackId: string; position: number; addedAt: number }[],
  limit: number,
  offset: number,
) =>
  `{"collection_id":${JSON.stringify(collectionId)},"items":[${entries
    .map((e) => `{"track_id":${JSON.stringify(e.trackId)},"position":${e.position},"added_at":"${ts(e.addedAt)}"}`)
    .join(',')}],"limit":${limit},"offset":${offset}}`;

export const ackJson = (target: string, detail: string) =>
  `{"success":true,"id":${JSON.stringify(target)},"detail":"${detail}"}`;

export function intParam(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  const value = raw === null ? fallback : /^-?\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < (name === 'offset' ? 0 : 1) || value > max) {
    throw new HttpError(422, 'VALIDATION_ERROR', `${name} is out of range`, { field: name });
  }
  return value;
}

export async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'INVALID_REQUEST_BODY', 'Malformed JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(400, 'INVALID_REQUEST_BODY', 'Not an object');
  return body as Record<string, unknown>;
}

export function checkName(value: unknown): string {
  if (typeof value !== 'string') throw new HttpError(422, 'VALIDATION_ERROR', 'name is required', { field: 'name' });
  const length = [...value].length;
  if (length < 1 || length > 512 || value.trim() === '')
    throw new HttpError(422, 'VALIDATION_ERROR', 'bad name', { field: 'name' });
  return value;
}

export function checkCreateFields(body: Record<string, unknown>): void {
  for (const key of Object.keys(body)) {
    if (!['name', 'description', 'cover_track_id', 'cover_image_url'].includes(key)) {
      throw new HttpError(422, 'VALIDATION_ERROR', `${key} is not a known field`, { field: key });
    }
  }
}

export function trackIdOf(body: Record<string, unknown>): string {
  const trackId = body.track_id;
  if (typeof trackId !== 'string')
    throw new HttpError(422, 'VALIDATION_ERROR', 'track_id is required', { field: 'track_id' });
  return trackId;
}

/** The nested collections page (the GraphQL benchmark's document), from the rows of its statements. */
export function nestedPageJson(
  page: CollectionRow[],
  hasNextPage: boolean,
  covers: Map<string, { id: string; title: string }>,
  entries: { request: number; trackId: string; position: number }[],
  tracks: Map<string, { id: string; title: string }>,
): string {
  const byRequest: string[][] = page.map(() => []);
  for (const e of entries) {
    const track = tracks.get(e.trackId);
    if (!track) throw new Error('track not loaded');
    byRequest[e.request]!.push(
      `{"position":${e.position},"node":{"id":${JSON.stringify(track.id)},"title":${JSON.stringify(track.title)}}}`,
    );
  }
  const edges = page.map((c, i) => {
    const cover = c.cover_track_id ? covers.get(c.cover_track_id) : undefined;
    const coverJson = cover ? `{"id":${JSON.stringify(cover.id)},"title":${JSON.stringify(cover.title)}}` : 'null';
    return (
      `{"cursor":"${cursor(c.seq)}","node":{"id":${JSON.stringify(c.id)},"name":${JSON.stringify(c.name)},"trackCount":${c.track_count},` +
      `"coverTrack":${coverJson},"tracks":{"edges":[${byRequest[i]!.join(',')}]}}}`
    );
  });
  const end = page.at(-1);
  return (
    `{"data":{"collections":{"edges":[${edges.join(',')}],` +
    `"pageInfo":{"hasNextPage":${hasNextPage},"endCursor":${end ? `"${cursor(end.seq)}"` : 'null'}}}}}`
  );
}

/** The parts of a request path: ['', 'v1', 'music', org, 'collections' | 'tracks', id?, 'tracks'?, trackId?]. */
export function routeOf(req: IncomingMessage) {
  const url = new URL(req.url ?? '/', 'http://limit');
  const parts = url.pathname.split('/');
  const nested = parts[1] === 'bench' && parts[3] === 'collections-nested';
  if (!nested && (parts[1] !== 'v1' || parts[2] !== 'music')) throw noRoute();
  const [, , , , kind, first, sub, second] = parts;
  return { url, nested, org: nested ? parts[2]! : parts[3]!, kind, first, sub, second };
}

export type Reply = { status: number; body: string; etag?: number };

/** Answers one request with `route`'s reply, or the error envelope of what it threw. */
export async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  route: (req: IncomingMessage, traceId: string) => Promise<Reply>,
) {
  const traceId = id('req_');
  let reply: Reply;
  try {
    reply = await route(req, traceId);
  } catch (error) {
    const e = error instanceof HttpError ? error : new HttpError(500, 'INTERNAL_SERVER_ERROR', 'Unexpected error');
    const body = {
      success: false,
      error: {
        code: e.code,
        message: e.message,
        status: e.status,
        details: e.details,
        trace_id: traceId,
        timestamp: ts(Date.now()),
      },
    };
    reply = { status: e.status, body: JSON.stringify(body) };
  }
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(reply.body)),
    'x-request-id': traceId,
  };
  if (reply.etag !== undefined) headers.etag = `"${reply.etag}"`;
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

export interface LimitHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  close(): Promise<void> | void;
}

export function listen(
  limit: LimitHandler,
  port: number,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => void limit.handle(req, res));
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve({
        server,
        port: bound,
        close: async () => {
          server.close();
          await limit.close();
        },
      });
    });
  });
}
