/** The documented timestamp shape: ISO 8601, UTC, whole seconds (`2026-06-28T10:30:00Z`). */
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  // `.sssZ` ends every ISO string of a four-digit year; other years keep the general rule.
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, 'Z');
}
