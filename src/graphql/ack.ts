import { builder } from './builder.js';

export interface Ack {
  success: true;
  id: string;
  detail: string;
}

export const ack = (id: string, detail: string): Ack => ({ success: true, id, detail });

export const MutationAck = builder.objectRef<Ack>('MutationAck').implement({
  description: 'The acknowledgement of a mutation that returns no object.',
  fields: (t) => ({
    success: t.exposeBoolean('success'),
    id: t.exposeID('id', { description: 'The id of the object the mutation acted on.' }),
    detail: t.exposeString('detail', { description: 'A human-readable confirmation.' }),
  }),
});
