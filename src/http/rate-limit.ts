export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until the next request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

// Buckets are in memory, per process: with several processes each enforces its own share.
const MAX_TRACKED_KEYS = 10_000;

/**
 * A token bucket per API key: `perMinute` requests, refilled continuously, so a client that
 * stays under the rate never waits and a burst is capped at one minute's worth.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly refillPerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  /** Keys are bucketed by the hash of the presented secret (src/http/credential.ts), before any database lookup. */
  take(keyHash: string): RateDecision {
    const now = this.now();
    const previous = this.buckets.get(keyHash);
    const tokens = previous
      ? Math.min(this.perMinute, previous.tokens + (now - previous.at) * this.refillPerMs)
      : this.perMinute;
    const allowed = tokens >= 1;
    const left = allowed ? tokens - 1 : tokens;
    if (!previous && this.buckets.size >= MAX_TRACKED_KEYS) this.evictIdle(now);
    this.buckets.set(keyHash, { tokens: left, at: now });
    return {
      allowed,
      limit: this.perMinute,
      remaining: Math.floor(left),
      resetSeconds: Math.ceil((this.perMinute - left) / this.refillPerMs / 1000),
      retryAfterSeconds: allowed ? 0 : Math.ceil((1 - left) / this.refillPerMs / 1000),
    };
  }

  /** Full buckets carry no state worth keeping; dropping them bounds memory under key spraying. */
  private evictIdle(now: number): void {
    for (const [id, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.refillPerMs >= this.perMinute) this.buckets.delete(id);
    }
    if (this.buckets.size >= MAX_TRACKED_KEYS) this.buckets.clear();
  }
}
