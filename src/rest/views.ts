import { shareVisibilities } from '../domain/limits.js';

// The objects REST answers with, each field written once: the snake_case name the client reads,
// the GraphQL field it is selected from, and its JSON Schema. The routes' selections and the
// OpenAPI response schemas are both built from these, so a field shown over REST is one line here.

export type Schema = Record<string, unknown>;

export const nullable = (schema: Schema): Schema => ({ ...schema, type: [schema.type, 'null'] });
export const object = (properties: Record<string, Schema>, description?: string): Schema => ({
  type: 'object',
  ...(description ? { description } : {}),
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
});
export const id = (prefix: string): Schema => ({
  type: 'string',
  pattern: `^${prefix}`,
  examples: [`${prefix}01J2Z3`],
});
export const timestamp: Schema = { type: 'string', format: 'date-time', examples: ['2026-06-28T10:30:00Z'] };

interface ViewField {
  /** The GraphQL field it is selected from; the REST name when absent. */
  from?: string;
  schema: Schema;
}
type View = Record<string, ViewField>;

/** The GraphQL selection that yields a view, aliased to its REST names. */
export const selection = (view: View): string =>
  Object.entries(view)
    .map(([name, field]) => (field.from && field.from !== name ? `${name}: ${field.from}` : name))
    .join(' ');

/** The JSON Schema of a view; `extra` are the fields a route adds itself. */
export const schemaOf = (view: View, extra: Record<string, Schema> = {}, description?: string): Schema =>
  object(
    { ...Object.fromEntries(Object.entries(view).map(([name, field]) => [name, field.schema])), ...extra },
    description,
  );

const string: Schema = { type: 'string' };

/** What a shared-link view of a track shows (no URLs but the playback one). */
export const sharedTrackView = {
  id: { schema: id('mtrack_') },
  title: { schema: string },
  engine: { schema: string },
  mode: { schema: string },
  measured_duration_seconds: { from: 'durationSeconds', schema: nullable({ type: 'number' }) },
  instrumental: { schema: { type: 'boolean' } },
  playback_url: { from: 'playbackUrl', schema: nullable(string) },
} satisfies View;

/** A track as the Music Studio API shows it; `playback_url` and `stem_urls` are added by the route. */
export const trackView = {
  id: { schema: id('mtrack_') },
  title: { schema: string },
  engine: { schema: string },
  mode: { schema: string },
  measured_duration_seconds: { from: 'durationSeconds', schema: nullable({ type: 'number' }) },
  instrumental: { schema: { type: 'boolean' } },
  audio_url: { from: 'audioUrl', schema: nullable(string) },
  artwork_url: { from: 'artworkUrl', schema: nullable(string) },
  created_at: { from: 'createdAt', schema: timestamp },
  updated_at: { from: 'updatedAt', schema: timestamp },
} satisfies View;

export const collectionView = {
  id: { schema: id('mcoll_') },
  name: { schema: string },
  description: { schema: nullable(string) },
  cover_track_id: { from: 'coverTrackId', schema: nullable(string) },
  cover_image_url: { from: 'coverImageUrl', schema: nullable(string) },
  track_count: { from: 'trackCount', schema: nullable({ type: 'integer', description: 'null in lists' }) },
  created_at: { from: 'createdAt', schema: timestamp },
  updated_at: { from: 'updatedAt', schema: timestamp },
} satisfies View;

export const shareLinkView = {
  id: { schema: id('mslink_') },
  token: { schema: { type: 'string', pattern: '^shr_', description: 'Shown once; only a hash is stored' } },
  url: { schema: { type: 'string', format: 'uri' } },
  target_type: { from: 'targetType', schema: { type: 'string', enum: ['track', 'collection'] } },
  visibility: { schema: { type: 'string', enum: [...shareVisibilities] } },
  expires_at: { from: 'expiresAt', schema: nullable(timestamp) },
  created_at: { from: 'createdAt', schema: timestamp },
} satisfies View;

/** One id's outcome in a batch edit of a collection. */
export const trackResultView = {
  track_id: { from: 'inputId', schema: { type: 'string', description: 'The id as it was sent' } },
  success: { schema: { type: 'boolean' } },
  position: {
    schema: nullable({
      type: 'integer',
      minimum: 0,
      description: "An added track's position now, a removed one's before; null on failure",
    }),
  },
} satisfies View;

/** Why one item of a batch failed, in the error envelope's words. */
export const itemErrorView = {
  code: { schema: { type: 'string', examples: ['RESOURCE_NOT_FOUND', 'TRACK_ALREADY_IN_COLLECTION'] } },
  message: { schema: string },
  system_message: { from: 'systemMessage', schema: string },
} satisfies View;
