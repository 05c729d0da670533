/** What applying one batch did to one table, from the plan's `summary` query (see handlers/core/plan/plan.ts). */
export interface ApplyCounts {
  /** Changes left after keeping the last change per key. */
  changes: number;
  inserted: number;
  updated: number;
  /** Rows removed by a delete. */
  deleted: number;
  /** Deletes of keys the target did not hold: only their tombstone was recorded. */
  tombstoned: number;
  /** Changes refused by the guard: not newer than the target row or the key's tombstone (or already in a change log). */
  skippedStale: number;
}

export const NO_CHANGES: ApplyCounts = { changes: 0, inserted: 0, updated: 0, deleted: 0, tombstoned: 0, skippedStale: 0 };

/** Counts from the summary query's `(action, n)` rows. */
export function countsFromSummary(rows: Array<{ action: unknown; n: unknown }>): ApplyCounts {
  const by = new Map(rows.map((r) => [String(r.action), Number(r.n)]));
  const get = (a: string) => by.get(a) ?? 0;
  const counts = {
    inserted: get("insert"),
    updated: get("update"),
    deleted: get("delete"),
    tombstoned: get("tombstone"),
    skippedStale: get("stale"),
  };
  return { changes: [...by.values()].reduce((a, b) => a + b, 0), ...counts };
}

/** Field-wise sum, for totals over batches. */
export function addCounts(a: ApplyCounts, b: ApplyCounts): ApplyCounts {
  return {
    changes: a.changes + b.changes,
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    deleted: a.deleted + b.deleted,
    tombstoned: a.tombstoned + b.tombstoned,
    skippedStale: a.skippedStale + b.skippedStale,
  };
}
