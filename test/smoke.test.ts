import { describe, expect, it } from 'vitest';
import { createWorld, rest } from './helpers.js';

describe('smoke', () => {
  it('creates and lists a collection', async () => {
    const w = createWorld();
    const created = await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections`, { key: w.alice.key, body: { name: 'Focus' } });
    expect(created.status).toBe(201);
    const list = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections`, { key: w.alice.key });
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
  });
});
