import { findOwnCollectionAnyOrg, type CollectionRow } from './collections.js';
import type { Deps } from './deps.js';
import { collectionNotFound, DomainError, trackNotFound } from './errors.js';
import { findVisibleTrack, type TrackRow } from './tracks.js';
import type { Viewer } from './viewer.js';

export type ResolvedNode = { kind: 'Collection'; row: CollectionRow } | { kind: 'Track'; row: TrackRow };

/**
 * `node(id)` applies the same policy as the typed fields: the object must live in one of the
 * viewer's organizations and be visible to them there; anything else is "not found".
 */
export async function resolveNode(deps: Deps, viewer: Viewer, id: string): Promise<ResolvedNode> {
  if (id.startsWith('mcoll_')) {
    const row = await findOwnCollectionAnyOrg(deps, viewer, id);
    if (!row || !viewer.organizations.has(row.organizationId)) throw collectionNotFound(id);
    return { kind: 'Collection', row };
  }
  if (id.startsWith('mtrack_')) {
    const organizationId = await deps.database.read.trackOrganization(id);
    const row =
      organizationId !== undefined && viewer.organizations.has(organizationId)
        ? await findVisibleTrack(deps.database.read, viewer, organizationId, id)
        : undefined;
    if (!row) throw trackNotFound(id);
    return { kind: 'Track', row };
  }
  throw new DomainError('RESOURCE_NOT_FOUND', 'No object has this id', { id });
}
