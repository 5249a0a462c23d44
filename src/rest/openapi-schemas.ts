// JSON Schemas (OpenAPI 3.1 = JSON Schema 2020-12) for the REST bodies. Responses are closed
// (`additionalProperties: false`) and a test validates real responses against them, so a field
// added to a route's selection without being documented here fails the suite.

import {
  BATCH_MAX_IDS,
  DEFAULT_ENGINE,
  DEFAULT_MODE,
  DEFAULT_VISIBILITY,
  DESCRIPTION_MAX,
  ENGINE_PATTERN,
  MAX_DURATION_SECONDS,
  MAX_EXPIRY_DAYS,
  NAME_MAX,
  REORDER_MAX_IDS,
  SHARED_COLLECTION_TRACKS,
  shareVisibilities,
  trackModes,
  URL_MAX,
} from '../domain/limits.js';
import { REQUEST_ID_PATTERN } from '../wire/request-id.js';
import {
  collectionView,
  id,
  itemErrorView,
  nullable,
  object,
  schemaOf,
  sharedTrackView,
  shareLinkView,
  timestamp,
  trackResultView,
  trackView,
  type Schema,
} from './views.js';

const url: Schema = { type: 'string', format: 'uri', maxLength: URL_MAX, description: 'An absolute http(s) URL' };
const title: Schema = {
  type: 'string',
  minLength: 1,
  maxLength: NAME_MAX,
  description: `1 to ${NAME_MAX} Unicode code points, not blank`,
};

/** Request body fields, by the snake_case name the client sends. */
export const bodyFieldSchemas: Record<string, Schema> = {
  name: title,
  description: nullable({ type: 'string', maxLength: DESCRIPTION_MAX }),
  cover_track_id: nullable({ ...id('mtrack_'), description: 'A live track of the same organization that you can see' }),
  cover_image_url: nullable(url),
  track_id: id('mtrack_'),
  track_ids: {
    type: 'array',
    items: id('mtrack_'),
    maxItems: BATCH_MAX_IDS,
    description: `At most ${BATCH_MAX_IDS}; a repeated id reports its first occurrence's result`,
  },
  position: nullable({
    type: 'integer',
    minimum: 0,
    description: 'Where the tracks go, 0 to the track count; absent or null: the end',
  }),
  range_start: { type: 'integer', minimum: 0, description: 'The first position to move' },
  range_length: nullable({ type: 'integer', minimum: 1, default: 1, description: 'How many tracks to move' }),
  insert_before: {
    type: 'integer',
    minimum: 0,
    description: 'The range goes before the track now at this position; the track count for the end',
  },
  title,
  duration_seconds: nullable({ type: 'number', minimum: 0, maximum: MAX_DURATION_SECONDS }),
  instrumental: nullable({ type: 'boolean', default: false }),
  audio_url: nullable(url),
  artwork_url: nullable(url),
  mode: nullable({ type: 'string', enum: [...trackModes], default: DEFAULT_MODE }),
  engine: nullable({ type: 'string', pattern: ENGINE_PATTERN.source, default: DEFAULT_ENGINE }),
  ordered_track_ids: {
    type: 'array',
    items: id('mtrack_'),
    maxItems: REORDER_MAX_IDS,
    uniqueItems: true,
    description: 'Each listed track takes the position of its index; unlisted tracks keep their order after them',
  },
  visibility: nullable({ type: 'string', enum: [...shareVisibilities], default: DEFAULT_VISIBILITY }),
  expires_in_days: nullable({
    type: 'integer',
    minimum: 1,
    description: `More than ${MAX_EXPIRY_DAYS} is clamped to ${MAX_EXPIRY_DAYS}; omit for no expiry`,
  }),
};

/** Query parameters other than paging, by name. */
export const queryParamSchemas: Record<string, Schema> = {
  collection_id: { ...id('mcoll_'), description: 'Only tracks in this collection' },
  mode: { type: 'string', enum: [...trackModes], description: 'Only tracks of this mode' },
  engine: { type: 'string', description: 'Only tracks of this engine' },
};

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const sharedTrack = schemaOf(sharedTrackView);
const page = { limit: { type: 'integer' }, offset: { type: 'integer' } };

/** Named response bodies; a route's `doc.response` is one of these names. */
export const responseSchemas: Record<string, Schema> = {
  Collection: schemaOf(collectionView),
  CollectionList: object({ items: { type: 'array', items: ref('Collection') }, ...page }),
  CollectionTracks: object({
    collection_id: id('mcoll_'),
    items: {
      type: 'array',
      items: object({ track_id: id('mtrack_'), position: { type: 'integer', minimum: 0 }, added_at: timestamp }),
    },
    ...page,
  }),
  Track: schemaOf(
    trackView,
    {
      playback_url: nullable({ type: 'string', description: 'The audio URL on single-track reads; null in lists' }),
      stem_urls: { type: 'null' },
    },
    'A track',
  ),
  TrackList: object({ items: { type: 'array', items: ref('Track') }, ...page }),
  Ack: object({ success: { type: 'boolean' }, id: { type: 'string' }, detail: { type: 'string' } }),
  CollectionTracksEdit: object(
    {
      collection: ref('Collection'),
      results: {
        type: 'array',
        items: schemaOf(trackResultView, { error: nullable(schemaOf(itemErrorView)) }),
        maxItems: BATCH_MAX_IDS,
      },
    },
    'The collection after a batch edit, and one result per id sent, in order',
  ),
  TrackOrTracksAdded: {
    oneOf: [ref('Ack'), ref('CollectionTracksEdit')],
    description: 'An ack for track_id, a batch answer for track_ids',
  },
  ShareLink: schemaOf(shareLinkView),
  SharedContent: object({
    kind: { type: 'string', enum: ['track', 'collection'] },
    available: { type: 'boolean' },
    message: nullable({ type: 'string' }),
    share: object({
      target_type: { type: 'string', enum: ['track', 'collection'] },
      visibility: { type: 'string', enum: [...shareVisibilities] },
      expires_at: nullable(timestamp),
    }),
    track: { oneOf: [{ type: 'null' }, sharedTrack] },
    collection: {
      oneOf: [
        { type: 'null' },
        object({ id: id('mcoll_'), name: { type: 'string' }, description: nullable({ type: 'string' }) }),
      ],
    },
    tracks: { oneOf: [{ type: 'null' }, { type: 'array', items: sharedTrack, maxItems: SHARED_COLLECTION_TRACKS }] },
  }),
  SharedSave: object({
    id: id('mlib_'),
    track_id: id('mtrack_'),
    source: { type: 'string', enum: ['shared'] },
    share_link_id: id('mslink_'),
    created_at: timestamp,
  }),
  SavedTrack: object({
    id: id('mlib_'),
    track_id: id('mtrack_'),
    source: { type: 'string', enum: ['own', 'shared'] },
    created_at: timestamp,
    saved: { const: true },
  }),
  Error: object({
    success: { const: false },
    error: object({
      code: { type: 'string', examples: ['RESOURCE_NOT_FOUND'] },
      message: { type: 'string' },
      system_message: { type: 'string' },
      type: { type: 'string' },
      status: { type: 'integer' },
      details: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } },
      trace_id: {
        type: 'string',
        pattern: REQUEST_ID_PATTERN,
        description: 'Equal to the X-Request-Id response header',
      },
      timestamp,
    }),
  }),
};
