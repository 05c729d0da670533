/**
 * The Spark bench's batch (see spark.bench.ts): the table it changes, the SQL that generates its changes and initial
 * rows, and what applying them must leave — one generator shared by the files written and the outcome predicted.
 */
import type { TableMetadata } from "../metadata/format";
import { benchColumn as col } from "./table";

export const META: TableMetadata = {
  schema: "bench",
  table: "accounts",
  primaryKey: ["id"],
  excluded: [],
  columns: [
    col("id", 1, "INT8"),
    col("name", 2, "STRING", { length: 80 }),
    col("email", 3, "STRING", { length: 120 }),
    col("status", 4, "STRING", { length: 16 }),
    col("balance", 5, "NUMERIC", { precision: 12, scale: 2 }),
    col("created_at", 6, "DATETIME", { scale: 6 }),
    col("updated_at", 7, "DATETIME", { scale: 6 }),
  ],
};

/** A multiplier coprime with `rows`, so `m → m * p mod rows` maps distinct m < rows to distinct existing keys. */
function spreader(rows: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return [7919, 7907, 7901, 7883].find((p) => gcd(p, rows) === 1) ?? 1;
}

/**
 * The change generator, shared by the SQL that writes the files and the simulation that predicts the outcome. Change i
 * (0-based, in seq order): r = i % 10, g = ⌊i / 10⌋.
 *   r = 8, 9            insert of the new key rows + i
 *   r = 7               delete of existing key #(half + g)       (never updated in the batch)
 *   r = 6 and g odd     update of the key inserted at change i - 8
 *   otherwise (r ≤ 6)   update of existing key #((7g + r) mod half): keys below ~0.2 × changes change twice
 * where half = ⌊changes / 2⌋ and existing key #m is (m × p) mod rows.
 */
export function changeSql(rows: number, changes: number, from: number, to: number): string {
  const half = Math.max(1, Math.floor(changes / 2));
  const p = spreader(rows);
  const existing = (m: string) => `((${m}) * ${p}) % ${rows}`;
  const key =
    `CASE WHEN r >= 8 THEN ${rows} + i WHEN r = 7 THEN ${existing(`${half} + g`)} ` +
    `WHEN r = 6 AND g % 2 = 1 THEN ${rows} + i - 8 ELSE ${existing(`(7 * g + r) % ${half}`)} END`;
  const micros = `1704153600000000 + i`; // 2024-01-02 00:00:00 UTC + i µs
  return (
    `SELECT CASE WHEN r < 7 THEN 'U' WHEN r = 7 THEN 'D' ELSE 'I' END AS Op, ` +
    `date_format(timestamp_micros(${micros}), 'yyyy-MM-dd HH:mm:ss.SSSSSS') AS cdc_timestamp, ` +
    `concat('20240102000000000', lpad(CAST(i + 1 AS STRING), 18, '0')) AS cdc_seq, ${rowColumns("k", "i")} ` +
    `FROM (SELECT i, r, g, ${key} AS k FROM (SELECT id AS i, id % 10 AS r, id DIV 10 AS g FROM range(${from}, ${to}, 1, 1))) ` +
    `ORDER BY i`
  );
}

/** Source columns of key `key`; `version` (a change number, or null for the initial load) varies name and times. */
export function rowColumns(key: string, version: string | null): string {
  const v = version === null ? "''" : `concat(' v', ${version})`;
  const updated =
    version === null
      ? `CAST(timestamp_seconds(1704067200 - ${key} % 31536000) AS TIMESTAMP_NTZ)`
      : `CAST(timestamp_micros(1704153600000000 + ${version}) AS TIMESTAMP_NTZ)`;
  return [
    `CAST(${key} AS BIGINT) AS id`,
    `concat('customer ', ${key}, ${v}) AS name`,
    `concat('c', ${key}, '@example.com') AS email`,
    `element_at(array('active', 'suspended', 'closed', 'pending'), CAST((${key} + ${version ?? 0}) % 4 + 1 AS INT)) AS status`,
    `CAST((${key} * 37 + ${version ?? 0}) % 10000000 / 100.0 AS DECIMAL(12,2)) AS balance`,
    `CAST(timestamp_seconds(1262304000 + ${key} % 441504000) AS TIMESTAMP_NTZ) AS created_at`,
    `${updated} AS updated_at`,
  ].join(", ");
}

/** What the batch must leave: live rows and the plan's counts per action (simulated from the same rules). */
export function expected(rows: number, changes: number): { live: number; counts: Record<string, number> } {
  const half = Math.max(1, Math.floor(changes / 2));
  const updated = new Set<number>();
  let [inserts, deletes] = [0, 0];
  for (let i = 0; i < changes; i++) {
    const [r, g] = [i % 10, Math.floor(i / 10)];
    if (r >= 8) inserts++;
    else if (r === 7) deletes++;
    else if (!(r === 6 && g % 2 === 1)) updated.add((7 * g + r) % half);
  }
  return { live: rows - deletes + inserts, counts: { insert: inserts, update: updated.size, delete: deletes } };
}
