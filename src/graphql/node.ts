import { resolveNode } from '../domain/nodes.js';
import { builder } from './builder.js';
import { viewerOf } from './context.js';

builder.queryField('node', (t) =>
  t.field({
    type: builder.nodeInterfaceRef(),
    description: 'Any collection or track you can see, by id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => (await resolveNode(ctx.deps, await viewerOf(ctx), args.id)).row,
  }),
);
