import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { backend, serverDatabaseUrl } from './support/backend.js';

// A start that cannot succeed says why in one line on stderr, `error: …`, naming the setting, and
// exits 1: no stack trace, nothing on stdout. The server runs as a child process (tsx), so this
// file runs on SQLite files, and on the TEST_DATABASE server for the PostgreSQL refusals.
const skip = backend === 'pglite';
const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'music-gateway-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: join(dir, 'music.db'), PORT: '0', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
      // A start that succeeds is a failure of the test: stop it rather than wait.
      if (out.includes('ready at')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (c) => (err += c));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

function expectOneLine(r: { code: number | null; out: string; err: string }, message: RegExp) {
  expect(r.out).toBe('');
  expect(r.err).toMatch(/^error: [^\n]+\n$/);
  expect(r.err).toMatch(message);
  expect(r.err).not.toMatch(/^\s+at /m);
  expect(r.code).toBe(1);
}

describe.skipIf(skip)('start-up failures: one error line and exit 1', () => {
  it('PORT=abc', async () => {
    expectOneLine(
      await start({ PORT: 'abc' }),
      /^error: PORT must be a whole number from 0 to 65535 \(0 picks a free port\), got "abc"\n$/,
    );
  });

  it('the port already in use (npm start twice)', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      expectOneLine(
        await start({ PORT: String(port) }),
        new RegExp(
          `^error: port ${port} is already in use on 127\\.0\\.0\\.1 \\(PORT\\): .*stop it or choose another PORT\\n$`,
        ),
      );
    } finally {
      holder.close();
    }
  });

  it('PostgreSQL unreachable, without printing the password', async () => {
    const r = await start({ DATABASE_URL: 'postgres://music:s3cret@127.0.0.1:1/music' });
    expectOneLine(
      r,
      /^error: cannot open the database at postgres:\/\/music:\*\*\*@127\.0\.0\.1:1\/music \(DATABASE_URL\): connection refused at 127\.0\.0\.1:1; is PostgreSQL running/,
    );
    expect(r.err).not.toContain('s3cret');
  });

  it('HOST that is not an address of this machine', async () => {
    // 203.0.113.0/24 is reserved for documentation: never a local address.
    expectOneLine(
      await start({ HOST: '203.0.113.7' }),
      /^error: HOST 203\.0\.113\.7 is not an address of this machine: use 127\.0\.0\.1/,
    );
  });

  it('a SQLite path under a file, and a file that is not a database', async () => {
    const file = join(dir, 'plain.txt');
    writeFileSync(file, 'not a database, and not a folder either\n'.repeat(100));
    expectOneLine(
      await start({ DATABASE_URL: join(file, 'music.db') }),
      /^error: cannot open the database at .*plain\.txt\/music\.db \(DATABASE_URL\): a part of the path is a file, not a folder\n$/,
    );
    expectOneLine(
      await start({ DATABASE_URL: file }),
      /\(DATABASE_URL\): the file exists but is not a SQLite database/,
    );
  });

  it('an unusable OTEL_* setting', async () => {
    expectOneLine(
      await start({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
      /^error: OTEL_EXPORTER_OTLP_PROTOCOL must be http\/protobuf or http\/json/,
    );
  });

  it('with LOG_LEVEL=debug, the stack trace follows the line', async () => {
    const r = await start({ PORT: 'abc', LOG_LEVEL: 'debug' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: PORT must be .*\n.*ConfigError/);
    expect(r.err).toMatch(/at loadConfig \(.*src\/config\.ts:\d+:\d+\)/);
  });
});

describe.skipIf(backend !== 'postgres')('start-up failures on a PostgreSQL server', () => {
  it('a wrong password, and a database that does not exist', async () => {
    const { url, drop } = await serverDatabaseUrl();
    await drop();
    const missing = await start({ DATABASE_URL: url });
    expectOneLine(missing, /\(DATABASE_URL\): the database does not exist on that server; create it first/);
    const wrong = new URL(url);
    wrong.password = 'not-the-password';
    const refused = await start({ DATABASE_URL: wrong.toString() });
    expectOneLine(refused, /\(DATABASE_URL\): PostgreSQL refused the user name or password\n$/);
    expect(refused.err).not.toContain('not-the-password');
  });
});

describe('every setting is checked before anything starts', () => {
  const refused: [Record<string, string>, RegExp][] = [
    [{ PORT: '70000' }, /^PORT must be a whole number from 0 to 65535/],
    [{ PORT: '4000.5' }, /^PORT must be a whole number/],
    [{ PORT: '0x10' }, /^PORT must be a whole number/],
    [
      { RATE_LIMIT_PER_MINUTE: 'ten' },
      /^RATE_LIMIT_PER_MINUTE must be a whole number of requests \(0 turns the limit off\)/,
    ],
    [{ RATE_LIMIT_PER_MINUTE: '-1' }, /^RATE_LIMIT_PER_MINUTE must be/],
    [{ DATABASE_POOL_SIZE: '0' }, /^DATABASE_POOL_SIZE must be a whole number of connections from 1 to 1000/],
    [{ GRAPHQL_INTROSPECTION: 'yes' }, /^GRAPHQL_INTROSPECTION must be one of true, false, got "yes"/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of fatal, error/],
    [{ PUBLIC_URL: 'music.example.com' }, /^PUBLIC_URL must be an http:\/\/ or https:\/\/ base URL/],
    [{ PUBLIC_URL: 'https://music.example.com/?x=1' }, /^PUBLIC_URL must be/],
    [
      { CORS_ORIGINS: 'https://studio.example.com,studio2.example.com' },
      /^CORS_ORIGINS must list origins like https:\/\/studio\.example\.com .*got "studio2\.example\.com"/,
    ],
    [{ CORS_ORIGINS: 'https://studio.example.com/app' }, /^CORS_ORIGINS must list origins/],
    [{ SHUTDOWN_DELAY_SECONDS: 'soon' }, /^SHUTDOWN_DELAY_SECONDS must be a number of seconds from 0 to 3600/],
    [{ SHUTDOWN_TIMEOUT_SECONDS: '-5' }, /^SHUTDOWN_TIMEOUT_SECONDS must be a number of seconds/],
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, /^OTEL_TRACES_EXPORTER must list otlp, console or none/],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' },
      /^OTEL_EXPORTER_OTLP_ENDPOINT must be an http:\/\/ or https:\/\/ URL/,
    ],
    [
      { OTEL_TRACES_EXPORTER: 'console', OTEL_TRACES_SAMPLER: 'sometimes' },
      /^OTEL_TRACES_SAMPLER must be one of always_on/,
    ],
    [
      { OTEL_TRACES_EXPORTER: 'console', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' },
      /^OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1/,
    ],
  ];
  it.each(refused)('%o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('an empty variable is the default, as if unset', () => {
    const config = loadConfig({
      PORT: '',
      RATE_LIMIT_PER_MINUTE: '',
      DATABASE_URL: ' ',
      LOG_LEVEL: '',
      CORS_ORIGINS: '',
      GRAPHQL_INTROSPECTION: '',
    });
    expect(config).toMatchObject({
      port: 4000,
      rateLimitPerMinute: 600,
      databaseUrl: './data/music.db',
      logLevel: 'info',
      corsOrigins: [],
      introspection: true,
    });
  });

  it('accepts the documented forms', () => {
    expect(
      loadConfig({
        PORT: '8080',
        PUBLIC_URL: 'https://example.com/music/',
        CORS_ORIGINS: 'https://studio.example.com/, http://localhost:5173',
        SHUTDOWN_DELAY_SECONDS: '0.5',
      }),
    ).toMatchObject({
      port: 8080,
      publicUrl: 'https://example.com/music',
      corsOrigins: ['https://studio.example.com', 'http://localhost:5173'],
      shutdownDelaySeconds: 0.5,
      shutdownTimeoutSeconds: 10,
      tracing: null,
    });
  });

  it('waits 5 s after SIGTERM by default inside Kubernetes, not elsewhere', () => {
    expect(loadConfig({}).shutdownDelaySeconds).toBe(0);
    expect(loadConfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1' }).shutdownDelaySeconds).toBe(5);
    expect(
      loadConfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1', SHUTDOWN_DELAY_SECONDS: '15' }).shutdownDelaySeconds,
    ).toBe(15);
  });
});
