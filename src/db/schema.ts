// The tables the domain queries. One backend per process; see connection.ts.
export * from './schema-sqlite.js';
