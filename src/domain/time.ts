/** The documented timestamp shape: ISO 8601, UTC, whole seconds (`2026-06-28T10:30:00Z`). */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
