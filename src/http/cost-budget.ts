import type { BucketConfig, BucketStore, Lease } from '../db/budget.js';

/** The state of a key's budget after a charge, for `extensions.cost`, the headers and a refusal. */
export interface BudgetDecision {
  allowed: boolean;
  /** The bucket's size. */
  maximum: number;
  /** Points the key has left, across every process (an estimate: see CostBudget). */
  remaining: number;
  restorePerSecond: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until a charge of this size would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

export interface CostBudgetOptions extends BucketConfig {
  /** Points a process takes from the shared bucket at a time; the slack between processes. */
  leaseSize: number;
}

/** Per-process state of one key: points leased and not yet spent, and what the shared bucket said last. */
interface Local {
  tokens: number;
  shared: number;
  sharedAt: number;
  /** The lease on its way, if any: one at a time per key and process. */
  leasing: Promise<void> | null;
}

// Like the request-rate buckets: bounded under key spraying; dropping a key's state only forgets
// points it had leased (they are not spent twice, they are lost), never admits more.
const MAX_TRACKED_KEYS = 10_000;

/**
 * A cost budget per key, shared by every process on the database. Each process spends points it
 * has leased from the key's shared bucket (src/db/budget.ts) `leaseSize` at a time, so most charges
 * touch no database: a lease is taken ahead, in the background, once the local points fall below
 * half a lease, and a charge waits for one only when a burst outruns it. Points are only ever spent
 * after the shared bucket granted them, so over any interval a key spends at most its bucket plus
 * what it restored, plus what each process held leased at the start: the slack is at most
 * `leaseSize` per process (docs/limits.md).
 */
export class CostBudget {
  private readonly keys = new Map<string, Local>();
  private readonly perMs: number;

  constructor(
    private readonly options: CostBudgetOptions,
    private readonly store: BucketStore,
    private readonly now: () => number,
  ) {
    this.perMs = options.restorePerSecond / 1000;
  }

  get maximum(): number {
    return this.options.capacity;
  }

  /** Synchronous while the key's leased points cover the cost; waits for a lease only when they do not. */
  charge(keyHash: string, cost: number): BudgetDecision | Promise<BudgetDecision> {
    const local = this.local(keyHash);
    if (local.tokens >= cost) return this.spend(keyHash, local, cost);
    return this.chargeAfterLease(keyHash, local, cost);
  }

  private async chargeAfterLease(keyHash: string, local: Local, cost: number): Promise<BudgetDecision> {
    // A lease already on its way may bring enough; only if it did not does this charge lease itself.
    while (local.tokens < cost && local.leasing) await local.leasing.catch(() => undefined);
    if (local.tokens < cost) await this.lease(keyHash, local, Math.max(cost, this.options.leaseSize) - local.tokens);
    return this.spend(keyHash, local, cost);
  }

  private spend(keyHash: string, local: Local, cost: number): BudgetDecision {
    const allowed = local.tokens >= cost;
    if (allowed) local.tokens -= cost;
    if (!local.leasing && local.tokens < this.options.leaseSize / 2) {
      // Ahead of need, off this request's path; a failure only means a later charge leases itself.
      this.lease(keyHash, local, this.options.leaseSize - local.tokens).catch(() => undefined);
    }
    return this.decision(local, allowed, cost);
  }

  /** The key's budget as this process last saw it, without charging or leasing. */
  peek(keyHash: string): BudgetDecision {
    return this.decision(
      this.keys.get(keyHash) ?? { tokens: 0, shared: this.options.capacity, sharedAt: this.now(), leasing: null },
      true,
      0,
    );
  }

  private local(keyHash: string): Local {
    let local = this.keys.get(keyHash);
    if (!local) {
      if (this.keys.size >= MAX_TRACKED_KEYS) this.keys.clear();
      local = { tokens: 0, shared: this.options.capacity, sharedAt: this.now(), leasing: null };
      this.keys.set(keyHash, local);
    }
    return local;
  }

  private lease(keyHash: string, local: Local, want: number): Promise<void> {
    const now = this.now();
    const leasing: Promise<void> = this.store
      .lease(keyHash, want, now)
      .then((lease: Lease) => {
        local.tokens += lease.granted;
        local.shared = lease.left;
        local.sharedAt = now;
      })
      .finally(() => {
        if (local.leasing === leasing) local.leasing = null;
      });
    local.leasing = leasing;
    return leasing;
  }

  private decision(local: Local, allowed: boolean, cost: number): BudgetDecision {
    const { capacity } = this.options;
    const shared = Math.min(capacity, local.shared + (this.now() - local.sharedAt) * this.perMs);
    const remaining = Math.max(0, Math.min(capacity, local.tokens + shared));
    const seconds = (points: number) => (points <= 0 ? 0 : Math.ceil(points / this.options.restorePerSecond));
    return {
      allowed,
      maximum: capacity,
      remaining: Math.floor(remaining),
      restorePerSecond: this.options.restorePerSecond,
      resetSeconds: seconds(capacity - remaining),
      retryAfterSeconds: allowed ? 0 : Math.max(1, seconds(cost - remaining)),
    };
  }
}
