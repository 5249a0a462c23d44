import { describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { COST_WEIGHTS } from '../src/domain/cost.js';
import { addMember, createApiKey, createOrganization, createUser } from '../src/domain/admin.js';
import { createCollectionVia, createTrackVia, gql, rest, rows, testDatabase, throughFrontDoor } from './helpers.js';

// Cost budgets per key: a bucket of points refilled over time, charged with each operation's cost
// on every surface, refused with RATE_LIMIT_EXCEEDED and Retry-After when it cannot pay, shared by
// every app on the database (here two apps on one database stand for two processes; the
// multiprocess test runs real ones).

const VIEWER_COST = COST_WEIGHTS.value + COST_WEIGHTS.read + COST_WEIGHTS.value;

async function setup(
  budget: { capacity: number; restorePerSecond: number; leaseSize?: number },
  extra: Parameters<typeof createApp>[0] extends infer O ? Partial<O> : never = {},
) {
  const clock = { now: Date.parse('2026-06-28T10:30:00Z') };
  const database = await testDatabase();
  const app = await throughFrontDoor(createApp({ database, now: () => clock.now, costBudget: budget, ...extra }));
  const deps = { database, now: () => clock.now, traceId: 'req_seed', origin: 'http://gateway.test' };
  const org = (await createOrganization(deps, { name: 'Org', id: 'org_b' })).id;
  const user = await createUser(deps, { email: 'b@example.com' });
  await addMember(deps, { organizationId: org, userId: user.id, capabilities: ['USE_MUSIC_GENERATION'] });
  const key = (await createApiKey(deps, { userId: user.id })).key;
  const other = (await createApiKey(deps, { userId: user.id })).key;
  return { app, clock, org, key, other, database };
}

/** Settles background leases: they run on the event loop after the answer. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('cost budget per key', () => {
  it('charges each operation its cost, reports the budget in extensions.cost and the headers, refuses with 429 and Retry-After when spent', async () => {
    const { app, clock, key } = await setup({
      capacity: 5 * VIEWER_COST,
      restorePerSecond: VIEWER_COST,
      leaseSize: VIEWER_COST,
    });
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await gql(app, '{ viewer { id } }', {}, key);
      expect(res.body.errors, res.text).toBeUndefined();
      expect(res.body.extensions.cost).toMatchObject({
        requestedCost: VIEWER_COST,
        budget: { maximum: 5 * VIEWER_COST, restorePerSecond: VIEWER_COST },
      });
      expect(res.headers.get('x-ratelimit-cost-limit')).toBe(String(5 * VIEWER_COST));
      expect(res.headers.get('x-request-cost')).toBe(String(VIEWER_COST));
      remaining.push(Number(res.headers.get('x-ratelimit-cost-remaining')));
      await settle();
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0].map((n) => n * VIEWER_COST));
    const refused = await gql(app, '{ viewer { id } }', {}, key);
    expect(refused.status).toBe(429);
    const error = refused.body.errors[0];
    expect(error.extensions).toMatchObject({
      code: 'RATE_LIMIT_EXCEEDED',
      status: 429,
      details: { retry_after_seconds: 1, cost: VIEWER_COST },
    });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body.data).toBeUndefined();
    clock.now += 1000;
    expect((await gql(app, '{ viewer { id } }', {}, key)).status).toBe(200);
  });

  it('REST and Groove answers are charged too, and carry the X-RateLimit headers of both the request rate and the cost', async () => {
    const { app, org, key } = await setup({ capacity: 100_000, restorePerSecond: 1 }, { rateLimitPerMinute: 100 });
    const listed = await rest(app, 'GET', `/v1/music/${org}/collections`, { key });
    expect(listed.status).toBe(200);
    const cost = Number(listed.headers.get('x-request-cost'));
    expect(cost).toBeGreaterThan(COST_WEIGHTS.read);
    for (const [name, value] of [
      ['x-ratelimit-limit', '100'],
      ['x-ratelimit-remaining', '99'],
      ['x-ratelimit-cost-limit', '100000'],
      ['x-ratelimit-cost-remaining', String(100_000 - cost)],
    ])
      expect(listed.headers.get(name!), name).toBe(value);
    expect(Number(listed.headers.get('x-ratelimit-cost-reset'))).toBeGreaterThan(0);
    await settle();
    const track = await createTrackVia(app, key, org);
    await settle();
    const groove = await rest(app, 'POST', '/1/content/music/collection/add', { key, body: { TrackIds: [track] } });
    expect(groove.status).toBe(200);
    // Two operations: who the caller is, then the batch.
    expect(Number(groove.headers.get('x-request-cost'))).toBeGreaterThan(COST_WEIGHTS.write + COST_WEIGHTS.batchItem);
    expect(groove.headers.get('x-ratelimit-cost-remaining')).not.toBeNull();
  });

  it('a spent budget is 429 on REST (the envelope, Retry-After) and on Groove (TOO_MANY_REQUESTS), per key', async () => {
    const { app, org, key, other } = await setup({ capacity: 400, restorePerSecond: 1, leaseSize: 50 });
    await createCollectionVia(app, other, org);
    let res = await rest(app, 'GET', `/v1/music/${org}/collections`, { key });
    for (let i = 0; i < 20 && res.status === 200; i++) {
      await settle();
      res = await rest(app, 'GET', `/v1/music/${org}/collections`, { key });
    }
    expect(res.status).toBe(429);
    expect(res.body.error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', status: 429 });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const groove = await rest(app, 'POST', '/1/content/music/collection/add', {
      key,
      body: { TrackIds: ['mtrack_x'] },
    });
    expect(groove.status).toBe(429);
    expect(groove.body.Error.ErrorCode).toBe('TOO_MANY_REQUESTS');
    // Another key of the same user has a bucket of its own.
    expect((await gql(app, '{ viewer { id } }', {}, other)).status).toBe(200);
  });

  it('an operation refused for its size is not charged; one that fails validation costs nothing', async () => {
    const { app, key } = await setup({ capacity: 10_000, restorePerSecond: 1, leaseSize: 1000 });
    const first = await gql(app, '{ viewer { id } }', {}, key);
    const left = first.body.extensions.cost.budget.remaining;
    await settle();
    const huge = `query($o: ID!) { ${Array.from({ length: 15 }, (_, i) => `c${i}: collections(organizationId: $o, first: 100) { edges { node { tracks(first: 500) { edges { node { id } } } } } }`).join(' ')} }`;
    const refused = await gql(app, huge, { o: 'org_b' }, key);
    expect(refused.body.errors[0].extensions.code).toBe('QUERY_LIMIT_EXCEEDED');
    const invalid = await gql(app, '{ viewer { nope } }', {}, key);
    expect(invalid.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const again = await gql(app, '{ viewer { id } }', {}, key);
    expect(again.body.extensions.cost.budget.remaining).toBe(left - VIEWER_COST);
  });

  it('is off with a capacity of 0, and without a key nothing is charged', async () => {
    const { app, key } = await setup({ capacity: 0, restorePerSecond: 0 });
    const res = await gql(app, '{ viewer { id } }', {}, key);
    expect(res.headers.get('x-ratelimit-cost-limit')).toBeNull();
    expect(res.body.extensions.cost.budget).toBeNull();
    const on = await setup({ capacity: 1000, restorePerSecond: 1 });
    const anonymous = await gql(on.app, '{ __typename }', {});
    expect(anonymous.body.extensions.cost.budget).toBeNull();
    expect(await rows({ app: on.app } as never, 'SELECT * FROM cost_buckets')).toEqual([]);
  });

  it('two apps on one database draw from one bucket per key: together they admit at most the bucket plus one lease each', async () => {
    const budget = { capacity: 40 * VIEWER_COST, restorePerSecond: 1, leaseSize: 4 * VIEWER_COST };
    const first = await setup(budget);
    const second: App = await throughFrontDoor(
      createApp({ database: first.database, now: () => first.clock.now, costBudget: budget }),
    );
    let admitted = 0;
    for (let i = 0; i < 100; i++) {
      const res = await gql(i % 2 === 0 ? first.app : second, '{ viewer { id } }', {}, first.key);
      if (res.status === 200) admitted += VIEWER_COST;
      else expect(res.body.errors[0].extensions.code).toBe('RATE_LIMIT_EXCEEDED');
      await settle();
    }
    expect(admitted).toBeLessThanOrEqual(budget.capacity + 2 * budget.leaseSize);
    // Apart from what each app still holds leased, the bucket was spent.
    expect(admitted).toBeGreaterThanOrEqual(budget.capacity - 2 * budget.leaseSize);
    const [bucket] = await rows({ app: first.app } as never, 'SELECT tokens FROM cost_buckets');
    expect(bucket.tokens).toBeLessThan(VIEWER_COST);
  });
});
