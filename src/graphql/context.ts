import type { Deps } from '../domain/deps.js';
import { authenticationRequired } from '../domain/errors.js';
import type { Viewer } from '../domain/viewer.js';

export interface GraphQLContext {
  deps: Deps;
  /** Resolved at most once per request, and only when a field needs it (introspection never does). */
  viewer: () => Promise<Viewer | null>;
}

/** The viewer of a field behind the `authenticated` scope. */
export async function viewerOf(ctx: GraphQLContext): Promise<Viewer> {
  const viewer = await ctx.viewer();
  if (!viewer) throw authenticationRequired();
  return viewer;
}
