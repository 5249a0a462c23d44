import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Response } from './fetch-api.js';

/** A file served by name; `load` runs once, on first request. */
export interface Asset {
  type: string;
  load: () => Promise<string | Uint8Array> | string | Uint8Array;
}

interface Loaded {
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
}

/**
 * Serves bundled browser assets (GraphiQL, the API reference) from memory, so pages never reach a
 * CDN. Bodies are hashed and gzipped once; the ETag lets browsers revalidate with a 304 instead of
 * downloading megabytes of JavaScript again, and `no-cache` makes them revalidate after upgrades.
 */
export function createAssetServer(assets: Readonly<Record<string, Asset>>) {
  const cache = new Map<string, Promise<Loaded>>();
  const load = async (asset: Asset): Promise<Loaded> => {
    const raw = await asset.load();
    const body = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    return { body, etag, gzip: body.length > 1024 && !asset.type.startsWith('image/') ? gzipSync(body) : null };
  };

  return {
    has: (name: string) => Object.hasOwn(assets, name),
    async serve(request: Request, name: string): Promise<Response> {
      const asset = assets[name];
      if (!asset || !Object.hasOwn(assets, name)) return new Response(null, { status: 404 });
      let loaded = cache.get(name);
      if (!loaded) cache.set(name, (loaded = load(asset)));
      const { body, gzip, etag } = await loaded;
      const headers: Record<string, string> = {
        'content-type': asset.type,
        'cache-control': 'public, no-cache',
        etag,
        vary: 'accept-encoding',
        'x-content-type-options': 'nosniff',
      };
      if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
      const useGzip = gzip !== null && /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '');
      if (useGzip) headers['content-encoding'] = 'gzip';
      const payload = useGzip ? gzip : body;
      headers['content-length'] = String(payload.length);
      return new Response(request.method === 'HEAD' ? null : new Uint8Array(payload), { status: 200, headers });
    },
  };
}

/** Same-origin only: whatever a bundled page tries to load from another host, the browser refuses. */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** JSON inside a `<script type="application/json">`, safe from `</script>` in its strings. */
export const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export const html = (body: string, status = 200) =>
  new Response(body, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PAGE_CSP,
      'cache-control': 'no-cache',
    },
  });
