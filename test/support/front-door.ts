import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../../src/app.js';

/**
 * `TEST_FRONT_DOOR=node`: every world's `app.fetch` is sent over a socket to a real Node server
 * listening with `app.handle`, as `src/server.ts` serves it, so the suites that go through
 * createWorld test the fast door (src/http/node-door.ts) and the Fetch adapter behind it, not only
 * `app.fetch` in-process. Unset, tests call `app.fetch` directly.
 */
export const frontDoor = process.env.TEST_FRONT_DOOR === 'node' ? 'node' : 'fetch';

/** The app, its `fetch` answered by a listening server; `close` stops the server. */
export async function overNode(app: App): Promise<{ app: App; port: number; close: () => Promise<void> }> {
  // Node's 16 KiB header limit (server.ts's too, answered 431) would cut off the
  // fuzz suites' longest URLs before they reach the app; here the app's own answers are under test.
  const server: Server = createServer({ maxHeaderSize: 1 << 20 }, app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fetch = (request: Request) => send(port, request);
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { app: { ...app, fetch }, port, close };
}

/**
 * The request as a client would send it: its headers, the Host of its URL, and a body of known
 * length declared (as fetch declares a string's), unless the request declares its own length.
 */
async function send(port: number, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const headers: Record<string, string> = { host: url.host };
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = request.body === null ? null : Buffer.from(await request.arrayBuffer());
  if (body !== null && headers['content-length'] === undefined) headers['content-length'] = String(body.byteLength);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, method: request.method, path: url.pathname + url.search, headers },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const responseHeaders = new Headers();
          for (let i = 0; i < incoming.rawHeaders.length; i += 2)
            responseHeaders.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
          const status = incoming.statusCode ?? 500;
          const noBody = request.method === 'HEAD' || status === 204 || status === 304;
          resolve(
            new Response(noBody ? null : Buffer.concat(chunks), {
              status,
              statusText: incoming.statusMessage,
              headers: responseHeaders,
            }),
          );
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body ?? undefined);
  });
}
