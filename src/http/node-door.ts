import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

// The fast front door: the common requests (a JSON POST to /graphql, the REST and Groove routes)
// are answered from Node's IncomingMessage and ServerResponse without @whatwg-node's server
// adapter, which builds a Fetch Request (URL, headers, a body stream) for every request and writes
// the answer in several socket writes. The request goes through the app's own pipeline all the
// same (src/app.ts): this file only reads the request and writes the answer.

/** The header lookups the app's pipeline makes, straight over Node's parsed (lowercased) headers. */
export class NodeHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name] ?? this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  /** As Fetch Headers iterate: a yoga fallback builds a real Request from these. */
  forEach(callback: (value: string, name: string) => void): void {
    for (const name of Object.keys(this.raw)) {
      const value = this.get(name);
      if (value !== null) callback(value, name);
    }
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }
}

/**
 * What of a Fetch Request the app's pipeline reads on the paths the door takes: the method, the
 * URL, header lookups and the body's text (read, and bounded, before the pipeline starts). `body`
 * is null because nothing is left to stream.
 */
export class NodeRequest {
  readonly body = null;
  readonly headers: NodeHeaders;

  constructor(
    readonly method: string,
    readonly url: string,
    headers: IncomingHttpHeaders,
    private readonly bodyText: string,
  ) {
    this.headers = new NodeHeaders(headers);
  }

  async text(): Promise<string> {
    return this.bodyText;
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.bodyText);
  }
}

/**
 * The request's body as text, or null when it cannot be read whole (the client went away, or
 * sent more than it declared). The caller has checked the declared length against the limit.
 */
export function readBody(req: IncomingMessage, declared: number): Promise<string | null> {
  if (declared === 0) return Promise.resolve('');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(
        size === declared
          ? chunks.length === 1
            ? chunks[0]!.toString('utf8')
            : Buffer.concat(chunks).toString('utf8')
          : null,
      ),
    );
    req.on('error', () => resolve(null));
    req.on('close', () => resolve(null));
  });
}

/** The whole answer in one write: status line, headers with their Content-Length, body. */
export function writeAnswer(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
): void {
  // 204 and 304 carry neither a body nor its length.
  if (status === 204 || status === 304) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  res.writeHead(status, headers);
  res.end(body);
}

/** A Fetch Response the pipeline built, written as one answer. */
export async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const type = headers['content-type'] ?? '';
  const body = /^(application\/([\w.+-]+\+)?json|text\/)/.test(type)
    ? await response.text()
    : Buffer.from(await response.arrayBuffer());
  writeAnswer(res, response.status, headers, body);
}
