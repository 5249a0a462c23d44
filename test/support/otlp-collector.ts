import { createServer } from 'node:http';

export interface Export {
  path: string;
  contentType: string;
  body: Buffer;
}

/** An OTLP/HTTP receiver on a free port that keeps every export it is sent, for tests. */
export async function startCollector(): Promise<{
  endpoint: string;
  exports: Export[];
  received: (n?: number) => Promise<void>;
  close: () => void;
}> {
  const exports: Export[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      exports.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        body: Buffer.concat(chunks),
      });
      res
        .writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' })
        .end(req.headers['content-type']?.includes('json') ? '{}' : '');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exports,
    async received(n = 1) {
      while (exports.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    close: () => server.close(),
  };
}
