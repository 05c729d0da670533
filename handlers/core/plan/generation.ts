/**
 * Generations (DESIGN §5): a new DMS full load of a table (a reload) rebuilds the target from it, so rows missing from
 * the new load disappear, and replaying the old generation's files afterwards changes nothing.
 *
 * How, in the statements of an ordinary batch plus three more:
 *
 * 1. Pin a floor (`load`, before the batch is read): the highest `_cdc_seq` the target and its tombstones hold, stored
 *    once per (table, generation) in `_cdc_generations` next to the table. Every later attempt — a retried manifest,
 *    the next run after a hold — reads the pinned value instead of recomputing it from a target the first attempt may
 *    already have changed, which is what makes a generation idempotent.
 * 2. Full-load rows of the generation carry the floor as their sequence instead of 35 zeros (`readFiles`), so the
 *    unchanged guard and merge let them replace every older row (a strictly older sequence) and only changes newer
 *    than the floor win over them. A row whose sequence equals the floor is the one key the old generation's last
 *    change touched; it stays as it is (equal is stale), which is what the new load holds unless that change was lost.
 * 3. Sweep (the start of a generation only, after the merge): target rows not newer than the floor that no change of
 *    the batch reached (the batch's changes at or above the floor are the new load's rows and later CDC) are rows the
 *    new load does not have. They are deleted, each leaving a tombstone at its own sequence and the generation's time:
 *    a replayed old file then meets rows at the floor or tombstones, and is stale. A tombstone at the row's own
 *    sequence (not the floor) lets a later LOAD file of the same generation, at the floor, still bring the key back.
 *
 * Later LOAD files of the same generation (a large table's LOAD00000002… in later runs) use the same floor without a
 * sweep. Change logs (tables without a key) have no guard to lift: a generation's start deletes the old full-load rows
 * before the batch appends the new ones, and the CDC entries stay.
 *
 * Iceberg commits each statement on its own: a run stopped after the sweep's tombstones and before its delete is
 * retried like any other (the sweep selects the same rows again); the target is never emptied, the rebuild replaces
 * rows key by key. MySQL and DuckDB run merge and sweep in one transaction.
 */
import { literal, qualified, type Dialect } from "./dialect";
import { FULL_LOAD_SEQ } from "./sequence";
import type { TableNames } from "./names";

/** One generation of a table, as the poller decides it (see handlers/core/poller/generations.ts). */
export interface Generation {
  /** Stable across retries: the ETag of the LOAD file that started it. */
  id: string;
  /** A `cdc_timestamp` (UTC, see formatCdcTimestamp): when it started; the sweep's tombstones expire from it. */
  at: string;
  /** True for the batch that starts the generation: rows the new load does not have are swept after the merge. */
  sweep: boolean;
}

/** The table holding each (table, generation)'s pinned floor, in the namespace of the table's target. */
export const GENERATIONS_TABLE = "_cdc_generations";

/** What the generation statements need of a table's plan. */
export interface GenerationTable {
  id: string;
  mode: "upsert" | "append";
  dialect: Dialect;
  names: TableNames;
  meta: { primaryKey: readonly string[] };
}

export class GenerationSteps {
  private readonly q: (part: string) => string;
  private readonly pins: string;

  constructor(
    private readonly t: GenerationTable,
    readonly generation: Generation,
  ) {
    if (!/^[\w.:-]{1,190}$/.test(generation.id))
      throw new Error(`${t.id}: generation id ${JSON.stringify(generation.id)}: expected 1-190 letters, digits or ._:-`);
    this.q = (p) => t.dialect.quote(p);
    this.pins = qualified(t.dialect, [...t.names.target.slice(0, -1), GENERATIONS_TABLE]);
  }

  /** Run before the batch is read: pins the floor (upserts) or drops the old full load (change logs, at the start). */
  pin(): string[] {
    const d = this.t.dialect;
    const target = qualified(d, this.t.names.target);
    if (this.t.mode === "append") {
      if (!this.generation.sweep) return [];
      return [`DELETE FROM ${target} WHERE ${this.q("_cdc_seq")} = ${literal(d, FULL_LOAD_SEQ)} AND ${this.q("_cdc_row")} > 0`];
    }
    const text = d.name === "mysql" ? "VARCHAR(190)" : d.bookkeepingType("_cdc_seq");
    const create = d.createTable(
      this.pins,
      [
        `${this.q("table_id")} ${text} NOT NULL`,
        `${this.q("generation")} ${text} NOT NULL`,
        `${this.q("floor_seq")} ${d.bookkeepingType("_cdc_seq")} NOT NULL`,
        `${this.q("pinned_at")} ${d.bookkeepingType("_cdc_timestamp")}`,
      ],
      ["table_id", "generation"],
    );
    const seq = this.q("_cdc_seq");
    const zero = literal(d, FULL_LOAD_SEQ);
    const highest = (table: string[]) => `COALESCE((SELECT MAX(${seq}) FROM ${qualified(d, table)}), ${zero})`;
    const insert =
      `INSERT INTO ${this.pins} (${["table_id", "generation", "floor_seq", "pinned_at"].map(this.q).join(", ")}) ` +
      `SELECT ${literal(d, this.t.id)}, ${literal(d, this.generation.id)}, ` +
      `GREATEST(${highest(this.t.names.target)}, ${highest(this.t.names.tombstones)}), ${literal(d, this.generation.at)} ` +
      `FROM (SELECT 1 AS ${this.q("one")}) AS d WHERE NOT EXISTS (SELECT 1 FROM ${this.pins} AS p WHERE ${this.thisPin("p")})`;
    return [create, insert];
  }

  /** The sequence of this generation's full-load rows: the pinned floor (upserts), 35 zeros (change logs). */
  loadSeq(): string {
    if (this.t.mode === "append") return literal(this.t.dialect, FULL_LOAD_SEQ);
    return `(SELECT p.${this.q("floor_seq")} FROM ${this.pins} AS p WHERE ${this.thisPin("p")})`;
  }

  /**
   * Run after the merge, at the start of a generation: deletes the rows the new load does not have (see the file's
   * comment), tombstones first. `changes` is the relation holding the batch's last change per key (MySQL: staging).
   */
  sweep(changes: string): string[] {
    if (this.t.mode === "append" || !this.generation.sweep) return [];
    const d = this.t.dialect;
    const q = this.q;
    const [target, tombstones] = [qualified(d, this.t.names.target), qualified(d, this.t.names.tombstones)];
    const seq = q("_cdc_seq");
    const match = (a: string, b: string) => this.t.meta.primaryKey.map((k) => `${a}.${q(k)} = ${b}.${q(k)}`).join(" AND ");
    const swept = (t: string) =>
      `${t}.${seq} <= ${this.loadSeq()} AND NOT EXISTS ` +
      `(SELECT 1 FROM ${changes} AS c WHERE ${match("c", t)} AND c.${seq} >= ${this.loadSeq()})`;
    const keys = this.t.meta.primaryKey.map(q);
    const tombCols = [...keys, seq, q("_cdc_timestamp")];
    const gone = `SELECT ${keys.map((k) => `t.${k}`).join(", ")}, t.${seq}, ${literal(d, this.generation.at)} AS ${q("_cdc_timestamp")} FROM ${target} AS t WHERE ${swept("t")}`;
    switch (d.merge) {
      case "staging":
        return [
          `INSERT INTO ${tombstones} (${tombCols.join(", ")}) ${gone} ON DUPLICATE KEY UPDATE ` +
            `${tombstones}.${seq} = VALUES(${seq}), ${tombstones}.${q("_cdc_timestamp")} = VALUES(${q("_cdc_timestamp")})`,
          `DELETE t FROM ${target} AS t WHERE ${swept("t")}`,
        ];
      case "delete-insert":
        return [
          `DELETE FROM ${tombstones} AS b WHERE EXISTS (SELECT 1 FROM ${target} AS t WHERE ${match("t", "b")} AND ${swept("t")})`,
          `INSERT INTO ${tombstones} (${tombCols.join(", ")}) ${gone}`,
          `DELETE FROM ${target} AS t WHERE ${swept("t")}`,
        ];
      default:
        return [
          `MERGE INTO ${tombstones} AS b USING (${gone}) AS s ON ${match("b", "s")} ` +
            `WHEN MATCHED THEN UPDATE SET ${seq} = s.${seq}, ${q("_cdc_timestamp")} = s.${q("_cdc_timestamp")} ` +
            `WHEN NOT MATCHED THEN INSERT (${tombCols.join(", ")}) VALUES (${tombCols.map((c) => `s.${c}`).join(", ")})`,
          `DELETE FROM ${target} AS t WHERE ${swept("t")}`,
        ];
    }
  }

  private thisPin(alias: string): string {
    const d = this.t.dialect;
    return `${alias}.${this.q("table_id")} = ${literal(d, this.t.id)} AND ${alias}.${this.q("generation")} = ${literal(d, this.generation.id)}`;
  }
}
