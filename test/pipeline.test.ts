import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { addMember, createApiKey, createOrganization, createUser } from '../src/domain/admin.js';
import { readManifest, TrustedDocuments } from '../src/graphql/trusted-documents.js';
import {
  createCollectionVia,
  createTrackVia,
  rest,
  testDatabase,
  throughFrontDoor,
  type HttpResult,
} from './helpers.js';

// One request pipeline whatever the front door: a plugin registered the way an ecosystem plugin
// would be (onParams, onValidate, onExecute) must see the operation of every path, GraphQL POST
// (the plain JSON fast path), GraphQL GET (yoga itself), a REST route and a Groove batch, and what
// it decides must hold on each. If any path skipped the pipeline, a test here fails.

const MANIFEST = new URL('../examples/codegen/src/gql/persisted-documents.json', import.meta.url).pathname;

/** Which hooks saw a request, by the probe header it carried. */
function probe() {
  const seen = new Map<string, Set<string>>();
  const mark = (request: Request | undefined, hook: string) => {
    const id = request?.headers.get('x-probe');
    if (!id) return;
    if (!seen.has(id)) seen.set(id, new Set());
    seen.get(id)!.add(hook);
  };
  const requestOf = (context: unknown) => (context as { request?: Request }).request;
  const plugin: Plugin = {
    onParams: ({ request }) => mark(request, 'onParams'),
    onValidate: ({ context }) => mark(requestOf(context), 'onValidate'),
    onExecute: ({ args, setResultAndStopExecution }) => {
      const request = requestOf(args.contextValue);
      mark(request, 'onExecute');
      // A plugin's refusal must hold on every path too.
      if (request?.headers.get('x-deny'))
        setResultAndStopExecution({ errors: [new GraphQLError('denied by a plugin')] });
    },
  };
  return { plugin, seen };
}

async function world(trustedDocuments: TrustedDocuments | undefined, door: 'fetch' | 'node') {
  const { plugin, seen } = probe();
  const app = await throughFrontDoor(
    createApp({ database: await testDatabase(), graphqlPlugins: [plugin], trustedDocuments }),
    door,
  );
  const deps = { database: app.database, now: Date.now, traceId: 'req_seed', origin: 'http://gateway.test' };
  const org = (await createOrganization(deps, { name: 'Org', id: 'org_p' })).id;
  const user = await createUser(deps, { email: 'p@example.com' });
  await addMember(deps, { organizationId: org, userId: user.id, capabilities: ['USE_MUSIC_GENERATION'] });
  const key = (await createApiKey(deps, { userId: user.id })).key;
  return { app, org, key, seen };
}

type World = Awaited<ReturnType<typeof world>>;

/** Every front door, each carrying its probe id; `deny` asks the plugin to refuse. */
function paths(w: World, trusted: { id: string } | null) {
  const headers = (id: string, deny: boolean) => ({
    'x-probe': id,
    'x-api-key': w.key,
    ...(deny ? { 'x-deny': '1' } : {}),
  });
  const me = trusted
    ? { documentId: trusted.id }
    : { query: 'query Me { viewer { email id organizations { capabilities id name } } }' };
  const getQuery = trusted ? `documentId=${encodeURIComponent(trusted.id)}` : `query=${encodeURIComponent(me.query!)}`;
  return {
    'GraphQL POST': (id: string, deny = false) =>
      rest(w.app, 'POST', '/graphql', {
        headers: { ...headers(id, deny), 'content-type': 'application/json' },
        rawBody: JSON.stringify(me),
      }),
    'GraphQL GET': (id: string, deny = false) =>
      rest(w.app, 'GET', `/graphql?${getQuery}`, { headers: { ...headers(id, deny), accept: 'application/json' } }),
    'REST route': (id: string, deny = false) =>
      rest(w.app, 'GET', `/v1/music/${w.org}/collections`, { headers: headers(id, deny) }),
    'Groove batch': async (id: string, deny = false) => {
      const t = await createTrackVia(w.app, w.key, w.org);
      return rest(w.app, 'POST', '/1/content/music/collection/add', {
        headers: headers(id, deny),
        body: { TrackIds: [t] },
      });
    },
  } satisfies Record<string, (id: string, deny?: boolean) => Promise<HttpResult>>;
}

const succeeded = (path: string, res: HttpResult) =>
  path.startsWith('GraphQL') ? res.status === 200 && res.body.errors === undefined : res.status === 200;

// Each path through either front door: app.fetch in-process, and a real server's fast door
// (src/http/node-door.ts, which takes GraphQL POST, REST and Groove; GraphQL GET goes through the
// Fetch adapter behind it).
const DOORS = { 'app.fetch': 'fetch', 'the fast door of a real server': 'node' } as const;

for (const [doorName, door] of Object.entries(DOORS)) {
  for (const mode of ['open', 'trusted documents only'] as const) {
    describe(`every path goes through the plugin pipeline (${mode}, ${doorName})`, () => {
      const setup = async () => {
        const trusted = mode === 'open' ? undefined : new TrustedDocuments(true, readManifest(MANIFEST));
        const w = await world(trusted, door);
        const me = trusted
          ? { id: [...readManifestIds(MANIFEST)].find((id) => readManifest(MANIFEST).get(id)!.startsWith('query Me'))! }
          : null;
        return { w, doors: paths(w, me) };
      };

      it('onParams, onValidate and onExecute see the operation of GraphQL POST, GraphQL GET, a REST route and a Groove batch', async () => {
        const { w, doors } = await setup();
        await createCollectionVia(w.app, w.key, w.org);
        for (const [path, send] of Object.entries(doors)) {
          const res = await send(path);
          expect(succeeded(path, res), `${path}: ${res.text.slice(0, 300)}`).toBe(true);
          expect([...(w.seen.get(path) ?? [])].sort(), path).toEqual(['onExecute', 'onParams', 'onValidate']);
        }
      });

      it("a plugin's refusal in onExecute holds on every path, before any resolver", async () => {
        const { doors } = await setup();
        for (const [path, send] of Object.entries(doors)) {
          const res = await send(`${path} denied`, true);
          expect(succeeded(path, res), `${path}: ${res.text.slice(0, 300)}`).toBe(false);
          expect(res.text, path).not.toContain('"viewer"');
        }
      });
    });
  }
}

function readManifestIds(path: string): string[] {
  return [...readManifest(path).keys()];
}
