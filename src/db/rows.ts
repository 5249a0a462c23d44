import type { Tables } from './tables.js';

// The rows the domain reads and writes: plain objects, the same on either dialect (both dialects'
// tables are built by one definition, tables.ts).

export type OrganizationRow = Tables['organizations']['$inferSelect'];
export type UserRow = Tables['users']['$inferSelect'];
export type MembershipRow = Tables['memberships']['$inferSelect'];
export type ApiKeyRow = Tables['apiKeys']['$inferSelect'];
export type TrackRow = Tables['tracks']['$inferSelect'];
export type CollectionRow = Tables['collections']['$inferSelect'];
export type EntryRow = Tables['collectionEntries']['$inferSelect'];
export type LibrarySaveRow = Tables['librarySaves']['$inferSelect'];
export type ShareLinkRow = Tables['shareLinks']['$inferSelect'];
export type AuditRow = Tables['auditLog']['$inferSelect'];

/** What an insert names: columns with a default, and nullable ones, may be left out. */
export type NewTrack = Tables['tracks']['$inferInsert'];
export type NewCollection = Tables['collections']['$inferInsert'];
export type NewLibrarySave = Tables['librarySaves']['$inferInsert'];
export type NewShareLink = Tables['shareLinks']['$inferInsert'];
export type NewAudit = Tables['auditLog']['$inferInsert'];
export type NewApiKey = Tables['apiKeys']['$inferInsert'];
export type NewMembership = Tables['memberships']['$inferInsert'];
