import { viewerProfile } from '../domain/admin.js';
import { capabilities, type Capability } from '../domain/viewer.js';
import { builder } from './builder.js';
import { viewerOf } from './context.js';

type Profile = Awaited<ReturnType<typeof viewerProfile>>;
type Membership = Profile['organizations'][number];

const CapabilityEnum = builder.enumType('Capability', {
  values: Object.fromEntries(capabilities.map((c) => [c, { value: c }])) as Record<Capability, { value: Capability }>,
});

const OrganizationMembership = builder.objectRef<Membership>('OrganizationMembership').implement({
  description: 'An organization the viewer belongs to, with what they may do there.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    capabilities: t.field({ type: [CapabilityEnum], resolve: (m) => m.capabilities }),
  }),
});

const ViewerType = builder.objectRef<Profile>('Viewer').implement({
  description: 'The user the API key acts for.',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name', { nullable: true }),
    organizations: t.field({ type: [OrganizationMembership], resolve: (v) => v.organizations }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerType,
    description: 'The signed-in user and their organizations.',
    resolve: async (_root, _args, ctx) => viewerProfile(ctx.deps, await viewerOf(ctx)),
  }),
);
