import { describe, expect, it } from 'vitest';
import { entryChecks, entryViolations, type Shape } from '../scripts/crash/database.js';
import { backend, createCollectionVia, createTrackVia, createWorld, rest, rows, type World } from './helpers.js';

// A batch add (REST `track_ids`, Groove's playlist create and update Add actions: one domain
// write, addTracksToCollection) racing deletes of the tracks it adds, on a PostgreSQL server where
// the requests' transactions run side by side on a pool of connections. The add keeps its tracks
// live until its entries are in (tracksToKeep, docs/postgresql.md), so either the delete comes
// first and the add finds them gone, or the add comes first and the delete, waiting for it, takes
// the new entries out again. Without that lock the add could check a track, the delete commit
// without seeing an entry not yet written, and the entry then land pointing at a deleted track.

const ROUNDS = 25;
const DOOMED_PER_ROUND = 3;

const pid = (collection: string) => `music.playlist.${collection}`;
const tid = (track: string) => `music.${track}`;

const groove = (w: World, action: 'create' | 'update', body: unknown) =>
  rest(w.app, 'POST', `/1/content/music/collection/playlists/${action}`, {
    body,
    headers: { authorization: `Bearer ${w.alice.key}` },
  });

describe.skipIf(backend !== 'postgres')('batch adds racing deletes of their tracks on a PostgreSQL server', () => {
  it('never leave a deleted track in a collection; positions stay 0..n-1 and counts match', async () => {
    const w = await createWorld();
    const base = `/v1/music/${w.orgA}`;
    const viaRest = await createCollectionVia(w.app, w.alice.key, w.orgA, 'Over REST');
    const viaGroove = await createCollectionVia(w.app, w.alice.key, w.orgA, 'Over Groove');
    /** Each collection's live tracks, in the order the clients were told they hold them. */
    const expected = new Map<string, string[]>([
      [viaRest, []],
      [viaGroove, []],
    ]);
    // How each add answered for a track deleted at the same moment: both must be seen, or the
    // requests did not race.
    const doomedOutcomes = { added: 0, notFound: 0 };
    const tally = (ok: boolean) => (ok ? doomedOutcomes.added++ : doomedOutcomes.notFound++);

    for (let round = 0; round < ROUNDS; round++) {
      const keep = await createTrackVia(w.app, w.alice.key, w.orgA, `kept ${round}`);
      const doomed = await Promise.all(
        Array.from({ length: DOOMED_PER_ROUND }, (_, i) =>
          createTrackVia(w.app, w.alice.key, w.orgA, `doomed ${round}.${i}`),
        ),
      );
      const batch = [doomed[0]!, keep, ...doomed.slice(1)];
      const position = Math.floor(Math.random() * (round + 1));
      const actions = batch.map((t) => ({ Id: tid(t), Action: 'Add' }));

      // All in one tick: three adds, each of every doomed track, and the deletes of those tracks.
      const [restAdd, grooveUpdate, grooveCreate, ...deletes] = await Promise.all([
        rest(w.app, 'POST', `${base}/collections/${viaRest}/tracks`, {
          key: w.alice.key,
          body: { track_ids: batch, position },
        }),
        groove(w, 'update', { Id: pid(viaGroove), TrackActions: actions }),
        groove(w, 'create', { Name: `Round ${round}`, TrackActions: actions }),
        ...doomed.map((t) => rest(w.app, 'DELETE', `${base}/tracks/${t}`, { key: w.alice.key })),
      ]);

      expect(deletes.map((d) => d.status)).toEqual(doomed.map(() => 200));
      expect(restAdd.status, restAdd.text).toBe(200);
      const restResults: { track_id: string; success: boolean; error: { code: string } | null }[] =
        restAdd.body.results;
      expect(restResults.map((r) => r.track_id)).toEqual(batch);
      for (const r of restResults) {
        if (r.track_id === keep) expect(r.success, JSON.stringify(r)).toBe(true);
        else {
          if (!r.success) expect(r.error?.code).toBe('RESOURCE_NOT_FOUND');
          tally(r.success);
        }
      }
      const list = expected.get(viaRest)!;
      list.splice(Math.min(position, list.length), 0, keep);

      for (const answer of [grooveUpdate, grooveCreate]) {
        expect(answer.status, answer.text).toBe(200);
        const results: { InputId: string; Id?: string; Error?: { Message: string } }[] =
          answer.body.PlaylistActionResult.TrackActionResults;
        expect(results.map((r) => r.InputId)).toEqual(actions.map((a) => a.Id));
        for (const r of results) {
          if (r.InputId === tid(keep)) expect(r.Id, JSON.stringify(r)).toBe(tid(keep));
          else {
            if (!r.Id) expect(r.Error?.Message).toBe('Music track not found');
            tally(r.Id !== undefined);
          }
        }
      }
      expected.get(viaGroove)!.push(keep);
      const created = String(grooveCreate.body.PlaylistActionResult.Id).replace('music.playlist.', '');
      expected.set(created, [keep]);
    }

    const violations = entryViolations(
      (await rows(w, entryChecks.shapes)) as Shape[],
      (await rows(w, entryChecks.deadEntries))[0] as { n: number },
    );
    expect(violations).toEqual([]);
    // Every collection holds exactly the live tracks it was given, where it was given them: no
    // acknowledged add was lost, and the deletes closed their gaps without disturbing the rest.
    for (const [collection, tracks] of expected) {
      const held = await rows(
        w,
        'SELECT track_id FROM collection_entries WHERE collection_id = ? ORDER BY position',
        collection,
      );
      expect(
        held.map((e) => e.track_id),
        collection,
      ).toEqual(tracks);
    }
    expect(doomedOutcomes.added, JSON.stringify(doomedOutcomes)).toBeGreaterThan(0);
    expect(doomedOutcomes.notFound, JSON.stringify(doomedOutcomes)).toBeGreaterThan(0);
  }, 120_000);
});
