/** Run lengths. BENCH_QUICK=1 is a smoke run (about 7 minutes); the full run is about 35. */
export const QUICK = process.env.BENCH_QUICK === '1';

export const config = QUICK
  ? {
      repetitions: 2,
      warmupSeconds: 0.5,
      saturationSeconds: 1,
      rateSeconds: 0.6,
      connections: 16,
      pool: 40_000,
      tenantPool: 8_000,
      soakRequests: 30_000,
      pageSizes: [100, 1_000, 10_000],
      deleteFanout: [1, 10, 100, 1_000],
      librarySizes: [1_000, 10_000],
      coldStarts: 3,
    }
  : {
      repetitions: 5,
      warmupSeconds: 1,
      saturationSeconds: 2.5,
      rateSeconds: 1.5,
      connections: 16,
      pool: 90_000,
      tenantPool: 12_000,
      soakRequests: 1_000_000,
      pageSizes: [100, 1_000, 10_000, 100_000],
      deleteFanout: [1, 10, 100, 1_000, 10_000],
      librarySizes: [1_000, 10_000, 100_000],
      coldStarts: 5,
    };

/** Fixed rates, as shares of the limit's peak for the same operation. */
export const RATE_SHARES = [0.25, 0.5, 0.75] as const;
