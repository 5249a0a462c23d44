import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/rest/openapi.js';
import { routes } from '../src/rest/routes.js';
import { createTrackVia, createWorld, rest, type HttpResult, type World } from './helpers.js';

type Doc = ReturnType<typeof openApiDocument>;
type Operation = { operationId: string; responses: Record<string, { content?: Record<string, { schema: unknown }> }> };

const templateOf = (path: string) => path.replace(/:([a-z_]+)/g, '{$1}');

describe('GET /v1/openapi.json', () => {
  let doc: Doc;
  beforeAll(async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = res.body;
  });

  it('is the document generated from the route table', () => {
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    expect(doc.openapi).toBe('3.1.0');
  });

  it("passes Redocly's strict recommended rules, as a valid OpenAPI 3.1 document", async () => {
    const config = await createConfig({
      extends: ['recommended-strict'],
      rules: {
        // A private service: there is no licence to state.
        'info-license': 'off',
        // `/v1/music/shared/{token}` is matched before `/v1/music/{organization_id}/…` by design.
        'no-ambiguous-paths': 'off',
      },
    });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    expect(problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
  });

  it('has every route of the table, each with its path parameters, body, success and error responses', () => {
    const operationIds = new Set<string>();
    for (const route of routes) {
      const op = (doc.paths[templateOf(route.path)] as Record<string, any> | undefined)?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(
        route.doc,
        `${route.method} ${route.path} has no doc (summary, response schema) in routes.ts`,
      ).toBeDefined();
      expect(operationIds.has(op.operationId), op.operationId).toBe(false);
      operationIds.add(op.operationId);
      const pathParams = op.parameters
        .filter((p: { in: string }) => p.in === 'path')
        .map((p: { name: string }) => p.name);
      expect(pathParams).toEqual([...route.path.matchAll(/:([a-z_]+)/g)].map((m) => m[1]));
      if (route.bodyFields)
        expect(Object.keys(op.requestBody.content['application/json'].schema.properties)).toEqual(route.bodyFields);
      else expect(op.requestBody).toBeUndefined();
      expect(op.responses[route.status]).toBeDefined();
      expect(op.responses['500'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
      if (!route.doc?.public) expect(op.responses['401'].description).toContain('AUTHENTICATION_REQUIRED');
      if (route.etag) expect(op.responses[route.status].headers.ETag).toBeDefined();
    }
    const documented = Object.values(doc.paths).flatMap((ops) => Object.keys(ops as object));
    expect(documented).toHaveLength(routes.length);
  });
});

/**
 * Every body the REST shim sends, success or error, fits the schema its operation documents for
 * that status; the schemas are closed, so an undocumented field fails here.
 */
describe('real responses match the documented schemas', () => {
  const doc = openApiDocument();
  const ajv = new Ajv2020({
    strict: false,
    formats: { 'date-time': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, uri: /^https?:\/\/\S+$/ },
  });
  ajv.addSchema({ components: doc.components, $id: 'doc' });
  const exercised = new Set<string>();

  function check(_world: World, method: string, template: string, res: HttpResult) {
    const op = (doc.paths[templateOf(template)] as Record<string, Operation>)[method.toLowerCase()]!;
    const documented = op.responses[String(res.status)];
    expect(documented, `${method} ${template} answered ${res.status}, not documented: ${res.text}`).toBeDefined();
    const schema = documented!.content!['application/json']!.schema as { $ref?: string };
    const validate = ajv.compile({ $ref: `doc${schema.$ref ?? ''}` });
    expect(
      validate(res.body),
      `${method} ${template} ${res.status}: ${ajv.errorsText(validate.errors)}\n${res.text}`,
    ).toBe(true);
    if (res.status < 300) exercised.add(`${method} ${template}`);
    return res;
  }

  it('are checked for real: a body missing fields or carrying extra ones fails', () => {
    const ack = ajv.compile({ $ref: 'doc#/components/schemas/Ack' });
    expect(ack({ success: true, id: 'x', detail: 'd' })).toBe(true);
    expect(ack({ success: true, id: 'x' })).toBe(false);
    expect(ack({ success: true, id: 'x', detail: 'd', extra: 1 })).toBe(false);
  });

  it('over a session that calls every route', async () => {
    const w = await createWorld();
    const { alice, bob, orgA } = w;
    const call = async (
      method: string,
      template: string,
      params: Record<string, string>,
      options: Parameters<typeof rest>[3] = {},
    ) => {
      const path = template.replace(/:([a-z_]+)/g, (_, n: string) => params[n] ?? n);
      return check(w, method, template.split('?')[0]!, await rest(w.app, method, path, { key: alice.key, ...options }));
    };
    const p = { organization_id: orgA };
    const t1 = await createTrackVia(w.app, alice.key, orgA, 'One');
    const t2 = await createTrackVia(w.app, alice.key, orgA, 'Two');
    await call('POST', '/v1/music/:organization_id/tracks', p, {
      body: {
        title: 'Three',
        duration_seconds: 187.5,
        instrumental: true,
        audio_url: 'https://cdn.example.com/3.mp3',
        mode: 'focus',
        engine: 'studio',
      },
    });
    await call('GET', '/v1/music/:organization_id/tracks', p);
    await call('GET', '/v1/music/:organization_id/tracks?limit=2&mode=creation', p);
    await call('GET', '/v1/music/:organization_id/tracks/:track_id', { ...p, track_id: t1 });
    const c = (
      await call('POST', '/v1/music/:organization_id/collections', p, {
        body: { name: 'Focus', description: 'Deep work' },
      })
    ).body.id;
    const pc = { ...p, collection_id: c };
    await call('GET', '/v1/music/:organization_id/collections', p);
    await call('GET', '/v1/music/:organization_id/collections/:collection_id', pc);
    await call('PATCH', '/v1/music/:organization_id/collections/:collection_id', pc, { body: { cover_track_id: t1 } });
    await call('POST', '/v1/music/:organization_id/collections/:collection_id/tracks', pc, { body: { track_id: t1 } });
    await call('POST', '/v1/music/:organization_id/collections/:collection_id/tracks', pc, { body: { track_id: t2 } });
    await call('GET', '/v1/music/:organization_id/collections/:collection_id/tracks', pc);
    await call('PATCH', '/v1/music/:organization_id/collections/:collection_id/order', pc, {
      body: { ordered_track_ids: [t2, t1] },
    });
    const t3 = await createTrackVia(w.app, alice.key, orgA, 'Four');
    await call('POST', '/v1/music/:organization_id/collections/:collection_id/tracks', pc, {
      body: { track_ids: [t3, t1, 'mtrack_none'], position: 1 },
    });
    await call('PATCH', '/v1/music/:organization_id/collections/:collection_id/tracks', pc, {
      body: { range_start: 0, range_length: 2, insert_before: 3 },
    });
    await call('PATCH', '/v1/music/:organization_id/collections/:collection_id/tracks', pc, {
      body: { range_start: 2, range_length: 2, insert_before: 0 },
    });
    await call('DELETE', '/v1/music/:organization_id/collections/:collection_id/tracks', pc, {
      body: { track_ids: [t3, 'mtrack_none'] },
    });
    await call('DELETE', '/v1/music/:organization_id/collections/:collection_id/tracks/:track_id', {
      ...pc,
      track_id: t2,
    });
    const trackShare = (
      await call('POST', '/v1/music/:organization_id/tracks/:track_id/share', { ...p, track_id: t1 }, { body: {} })
    ).body;
    const collShare = (
      await call('POST', '/v1/music/:organization_id/collections/:collection_id/share', pc, {
        body: { visibility: 'public', expires_in_days: 7 },
      })
    ).body;
    await call('GET', '/v1/music/shared/:token', { token: trackShare.token }, { key: null });
    await call('GET', '/v1/music/shared/:token', { token: collShare.token }, { key: null });
    check(
      w,
      'POST',
      '/v1/music/shared/:token/save',
      await rest(w.app, 'POST', `/v1/music/shared/${trackShare.token}/save`, { key: bob.key }),
    );
    await call('POST', '/v1/music/:organization_id/tracks/:track_id/save', { ...p, track_id: t1 });
    check(
      w,
      'DELETE',
      '/v1/music/:organization_id/tracks/:track_id/save',
      await rest(w.app, 'DELETE', `/v1/music/${orgA}/tracks/${t1}/save`, { key: bob.key }),
    );
    await call('DELETE', '/v1/music/:organization_id/share/:share_id', { ...p, share_id: collShare.id });
    await call('DELETE', '/v1/music/:organization_id/tracks/:track_id', { ...p, track_id: t2 });
    await call('GET', '/v1/music/shared/:token', { token: collShare.token }, { key: null });
    await call('DELETE', '/v1/music/:organization_id/collections/:collection_id', pc);

    // Errors, each with a documented status and the envelope.
    await call('GET', '/v1/music/:organization_id/collections/:collection_id', pc);
    await call('POST', '/v1/music/:organization_id/collections', p, { key: null, body: { name: 'x' } });
    await call('POST', '/v1/music/:organization_id/collections', p, { body: { name: '' } });
    await call('POST', '/v1/music/:organization_id/collections', p, {
      rawBody: '{',
      headers: { 'content-type': 'application/json' },
    });
    await call('POST', '/v1/music/:organization_id/collections', p, {
      rawBody: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    await call('GET', '/v1/music/:organization_id/collections', { organization_id: w.orgB });
    await call('GET', '/v1/music/:organization_id/collections?limit=abc', p);
    await call('DELETE', '/v1/music/:organization_id/tracks/:track_id', { ...p, track_id: t1 }, { key: w.carol.key });

    const missing = routes.map((r) => `${r.method} ${r.path}`).filter((r) => !exercised.has(r));
    expect(missing).toEqual([]);
  });
});
