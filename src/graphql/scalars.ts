import { formatTimestamp } from '../domain/time.js';
import { builder } from './builder.js';

export const DateTime = builder.scalarType('DateTime', {
  description: 'An ISO 8601 UTC timestamp with whole seconds, e.g. 2026-06-28T10:30:00Z.',
  serialize: (ms) => formatTimestamp(ms),
  parseValue: () => {
    throw new TypeError('DateTime is output only');
  },
});
