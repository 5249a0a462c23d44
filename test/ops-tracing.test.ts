import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { startTracing } from '../src/ops/tracing.js';
import { tracingConfig } from '../src/ops/tracing-config.js';
import { backend, captureLogger, createCollectionVia, createWorld, gql, rest } from './helpers.js';
import { startCollector } from './support/otlp-collector.js';

// Spans through the public surface, collected by OpenTelemetry's in-memory exporter: one server
// span per request, one per GraphQL operation inside it, one per SQL statement inside that.

async function tracedWorld(options: Parameters<typeof createWorld>[0] = {}) {
  const exporter = new InMemorySpanExporter();
  const tracing = await startTracing({ exporters: ['otlp'], protocol: 'http/protobuf' }, { exporter });
  const world = await createWorld({ ...options, tracing });
  return { world, exporter, tracing };
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((s) => parentOf(s) === parent.spanContext().spanId);
const system = backend === 'sqlite' ? 'sqlite' : 'postgresql';

describe('OpenTelemetry tracing', () => {
  it('traces nothing outside requests: seeding the database through the domain is not a span', async () => {
    const { exporter } = await tracedWorld();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('a REST request: server span named by route template, an operation span, SQL statement spans with no values', async () => {
    const { world: w, exporter } = await tracedWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA, 'Secret Name 123');
    exporter.reset();
    const res = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/${c}`, { key: w.alice.key });
    const spans = exporter.getFinishedSpans();
    const [server, ...others] = spans.filter((s) => s.kind === SpanKind.SERVER);
    expect(others).toEqual([]);
    expect(server!.name).toBe('GET /v1/music/:organization_id/collections/:collection_id');
    expect(server!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/v1/music/:organization_id/collections/:collection_id',
      'http.response.status_code': 200,
      'music_gateway.request_id': res.headers.get('x-request-id'),
    });
    expect(parentOf(server!)).toBeUndefined();
    const [operation] = childrenOf(spans, server!);
    expect(operation!.name).toBe('query');
    expect(operation!.attributes['graphql.operation.type']).toBe('query');
    const statements = childrenOf(spans, operation!);
    expect(statements.length).toBeGreaterThanOrEqual(2);
    for (const s of statements) {
      expect(s.kind).toBe(SpanKind.CLIENT);
      expect(s.attributes['db.system.name']).toBe(system);
      expect(s.name).toBe(s.attributes['db.operation.name']);
      expect(s.attributes['db.query.text']).toMatch(/^\s*select/i);
    }
    // Spans carry templates and placeholders, never the path's ids, the key or the data.
    const everything = JSON.stringify(spans.map((s) => [s.name, s.attributes]));
    for (const secret of [w.alice.key, c, 'Secret Name 123']) expect(everything).not.toContain(secret);
    expect(spans.every((s) => s.spanContext().traceId === server!.spanContext().traceId)).toBe(true);
  });

  it('a /graphql request: the operation span is named by type and name, errors mark it', async () => {
    const { world: w, exporter } = await tracedWorld();
    await gql(w.app, 'query Me { viewer { id email } }', {}, w.alice.key);
    await gql(w.app, 'query Me { viewer { id email } }', {}, 'mgk_nope');
    const spans = exporter.getFinishedSpans();
    const operations = spans.filter((s) => s.attributes['graphql.operation.name'] === 'Me');
    expect(operations.map((s) => [s.name, s.attributes['graphql.operation.type'], s.status.code])).toEqual([
      ['query Me', 'query', SpanStatusCode.UNSET],
      ['query Me', 'query', SpanStatusCode.ERROR],
    ]);
    const servers = spans.filter((s) => s.kind === SpanKind.SERVER);
    expect(servers.map((s) => s.name)).toEqual(['POST /graphql', 'POST /graphql']);
    expect(servers[1]!.attributes['music_gateway.error_codes']).toEqual(['AUTHENTICATION_REQUIRED']);
    expect(parentOf(operations[0]!)).toBe(servers[0]!.spanContext().spanId);
    // Authenticating the key is a statement inside the operation.
    expect(childrenOf(spans, operations[0]!).map((s) => s.attributes['db.system.name'])).toContain(system);
  });

  it("continues the caller's trace from traceparent, and logs its ids", async () => {
    const { logger, lines } = captureLogger('info');
    const { world: w, exporter } = await tracedWorld({ logger });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections`, {
      key: w.alice.key,
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    const server = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.spanContext().traceId).toBe(traceId);
    expect(parentOf(server)).toBe('00f067aa0ba902b7');
    expect(lines.find((l) => l.msg === 'request')).toMatchObject({
      w3c_trace_id: traceId,
      w3c_span_id: server.spanContext().spanId,
    });
  });

  it('an error envelope names its code on the server span', async () => {
    const { world: w, exporter } = await tracedWorld();
    await rest(w.app, 'GET', `/v1/music/${w.orgB}/collections`, { key: w.alice.key });
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.attributes).toMatchObject({
      'http.response.status_code': 403,
      'music_gateway.error_codes': ['ORGANIZATION_ACCESS_DENIED'],
    });
    // The REST route's operation span is marked failed too.
    expect(childrenOf(spans, server).map((s) => [s.name, s.status.code])).toEqual([['query', SpanStatusCode.ERROR]]);
  });

  it('a write: every statement of its transaction is a span', async () => {
    const { world: w, exporter } = await tracedWorld();
    await createCollectionVia(w.app, w.alice.key, w.orgA);
    const names = exporter.getFinishedSpans().map((s) => s.name);
    expect(names).toContain('INSERT');
    expect(names.at(-1)).toBe('POST /v1/music/:organization_id/collections');
  });
});

describe('OTEL_* variables', () => {
  it('leave tracing off by default, and when disabled or set to none', () => {
    expect(tracingConfig({})).toBeNull();
    expect(tracingConfig({ OTEL_SERVICE_NAME: 'gw' })).toBeNull();
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
  });

  it('switch it on with an exporter or an OTLP endpoint', () => {
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toEqual({
      exporters: ['otlp'],
      protocol: 'http/protobuf',
    });
    expect(
      tracingConfig({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c/v1/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      }),
    ).toEqual({
      exporters: ['otlp'],
      protocol: 'http/json',
    });
    expect(tracingConfig({ OTEL_TRACES_EXPORTER: 'console,otlp' })).toEqual({
      exporters: ['console', 'otlp'],
      protocol: 'http/protobuf',
    });
  });
});

describe.skipIf(backend !== 'sqlite')('a server process exporting over OTLP/HTTP', () => {
  const root = new URL('..', import.meta.url).pathname;

  async function run(env: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), 'music-gateway-otlp-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: join(dir, 'music.db'), PORT: '0', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c) => {
          out += c;
          const m = /ready at (http:\/\/\S+)\/graphql/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
      });
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"query Ping { __typename }"}',
      });
      expect(((await res.json()) as { data: unknown }).data).toEqual({ __typename: 'Query' });
      // The spans still buffered are exported on the way out.
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('http/json: the request and operation spans, with OTEL_SERVICE_NAME as the service', async () => {
    const collector = await startCollector();
    try {
      await run({
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'gw-under-test',
      });
      await collector.received();
      expect(
        collector.exports.every((e) => e.path === '/v1/traces' && e.contentType.startsWith('application/json')),
      ).toBe(true);
      const batches = collector.exports.flatMap((e) => JSON.parse(e.body.toString()).resourceSpans);
      const service = batches[0].resource.attributes.find((a: { key: string }) => a.key === 'service.name');
      expect(service.value.stringValue).toBe('gw-under-test');
      const names = batches.flatMap((b: any) =>
        b.scopeSpans.flatMap((s: any) => s.spans.map((span: any) => span.name)),
      );
      expect(names).toEqual(expect.arrayContaining(['POST /graphql', 'query Ping']));
    } finally {
      collector.close();
    }
  });

  it('http/protobuf by default', async () => {
    const collector = await startCollector();
    try {
      await run({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.endpoint}/v1/traces` });
      await collector.received();
      expect(collector.exports[0]).toMatchObject({ path: '/v1/traces', contentType: 'application/x-protobuf' });
      expect(collector.exports[0]!.body.toString('latin1')).toContain('query Ping');
    } finally {
      collector.close();
    }
  });
});
