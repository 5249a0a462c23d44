import type { LibrarySaveRow as LibraryEntryRow } from '../domain/library.js';
import { builder } from './builder.js';
import { DateTime } from './scalars.js';

export type { LibraryEntryRow };

export const LibrarySource = builder.enumType('LibrarySource', {
  description: 'How a track entered a library: created by its owner, or saved from a share.',
  values: { own: { value: 'own' }, shared: { value: 'shared' } } as const,
});

/** A library edge (mlib_): saving creates one and never changes the track. */
export const LibraryEntry = builder.objectRef<LibraryEntryRow>('LibraryEntry').implement({
  description: 'A track saved in a user library.',
  fields: (t) => ({
    id: t.exposeID('id'),
    trackId: t.exposeID('trackId'),
    source: t.field({ type: LibrarySource, resolve: (e) => e.source }),
    shareLinkId: t.exposeID('shareLinkId', {
      nullable: true,
      description: 'The share link a shared save came through.',
    }),
    createdAt: t.field({ type: DateTime, resolve: (e) => e.createdAt }),
  }),
});
