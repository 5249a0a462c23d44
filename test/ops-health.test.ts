import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backend, createWorld, migrationsTable, rest, rows } from './helpers.js';

const folder = join(import.meta.dirname, '..', 'drizzle', backend === 'sqlite' ? 'sqlite' : 'pg');
const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
  entries: { tag: string }[];
};
const shipped = journal.entries.length;

describe('GET /healthz (alive)', () => {
  it('is 200 without asking the database anything, even once it does not answer', async () => {
    const statements: string[] = [];
    const w = await createWorld({ onStatement: (sql) => statements.push(sql) });
    statements.length = 0;
    expect(await rest(w.app, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(statements).toEqual([]);
    await w.app.database.close();
    expect(await rest(w.app, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect((await rest(w.app, 'GET', '/readyz')).status).toBe(503);
  });
});

describe('GET /readyz (ready for traffic)', () => {
  it('is 200 when the database answers and has applied every migration the code ships', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ready',
      database: 'ok',
      migrations: { expected: shipped, applied: shipped, pending: [] },
    });
  });

  it('is 503 naming the migration a database has not applied', async () => {
    const w = await createWorld();
    // As if this database were last migrated by an older release.
    await rows(w, `DELETE FROM ${migrationsTable} WHERE created_at = (SELECT max(created_at) FROM ${migrationsTable})`);
    const res = await rest(w.app, 'GET', '/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      status: 'unavailable',
      database: 'ok',
      migrations: { applied: shipped - 1, pending: [journal.entries.at(-1)!.tag] },
    });
  });

  it('is 503 from the start of a shutdown, while every other request is still served', async () => {
    const w = await createWorld();
    w.app.beginShutdown();
    expect(await rest(w.app, 'GET', '/readyz')).toMatchObject({
      status: 503,
      body: { status: 'unavailable', shutting_down: true },
    });
    expect((await rest(w.app, 'GET', '/healthz')).status).toBe(200);
    expect((await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections`, { key: w.alice.key })).status).toBe(200);
    // Once the listener has closed, requests still arriving on open connections are refused.
    w.app.stopAccepting();
    const refused = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections`, { key: w.alice.key });
    expect(refused).toMatchObject({ status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE' } } });
    expect(refused.headers.get('connection')).toBe('close');
  });

  it('is 503 when the database does not answer, and while the server drains', async () => {
    const w = await createWorld();
    w.app.stopAccepting();
    expect((await rest(w.app, 'GET', '/readyz')).status).toBe(503);
    const v = await createWorld();
    await v.app.database.close();
    expect(await rest(v.app, 'GET', '/readyz')).toMatchObject({ status: 503, body: { database: 'unreachable' } });
  });

  it('takes GET and HEAD only', async () => {
    const w = await createWorld();
    expect((await rest(w.app, 'HEAD', '/readyz')).status).toBe(200);
    const post = await rest(w.app, 'POST', '/readyz');
    expect(post.status).toBe(405);
    expect(post.body.error.code).toBe('METHOD_NOT_ALLOWED');
  });
});
