/**
 * The CDC plan (DESIGN §5–§6): for one table and one dialect, the statements that create the target, load a batch of
 * DMS files, keep the last change per key, expire old tombstones, guard against stale changes and tombstones, and merge.
 * Every statement is written once here against the {@link Dialect} interface; dialects only quote, type and read files.
 *
 * Relations a batch goes through (session-scoped in Spark/DuckDB; MySQL gets the deduplicated batch copied into its
 * staging table and continues from there):
 *   batch      every row of every file: source columns cast to the target types, `_cdc_op`, `_cdc_seq` (normalised,
 *              see sequence.ts), `_cdc_timestamp`, `_cdc_file_order` (position in the batch), `_cdc_file_row`
 *              (position in its file) and `_cdc_row` (identity of a change-log row, see below)
 *   changes    the last change per primary key by (`_cdc_seq`, `_cdc_file_order`, `_cdc_file_row`)
 *   classified changes + `_cdc_action`: stale (not newer than the row or the tombstone), insert, update, delete (of an
 *              existing row) or tombstone (delete of a key the target does not hold: only the tombstone is recorded);
 *              upserts keep only the key (and the sequence and time of deletes) next to the action (see
 *              `classifiedColumns`)
 * Counting `classified` by action before the merge gives the batch's statistics. MySQL evaluates the same CASE in its
 * summary query and the same guard inside each delete/insert, so staging is written once (by the copy) and never updated.
 * Seq semantics, including how full-load rows compare, are in sequence.ts.
 *
 * Tables without a primary key are append-only change logs: every change becomes a row with its `_cdc_op`. A change is
 * identified by (`_cdc_seq`, `_cdc_row`): CDC changes by their unique sequence (`_cdc_row` = 0), full-load rows by the
 * load file's counter and row position (`LOAD0000000A.parquet` row 5 → 10 × 2³¹ + 5). Duplicated or replayed files
 * therefore append nothing twice.
 */
import type { ColumnMetadata, TableMetadata } from "../../../metadata/format";
import { tableId } from "../../../metadata/format";
import { isReservedColumn } from "../../../metadata/reserved-names";
import { checkMysqlKey, literal, qualified, type Dialect } from "./dialect";
import { GenerationSteps, type Generation } from "./generation";
import { icebergTableProperties, type IcebergSettings } from "./iceberg-settings";
import { defaultTableNames, type TableNames } from "./names";
import { FULL_LOAD_SEQ, SEQ_WIDTH } from "./sequence";

export { defaultTableNames, type Generation, type TableNames };

/** One file of a batch, in batch order. */
export interface BatchFile {
  /** Where the executor reads it: a local path (DuckDB) or an s3:// URI (Spark). */
  uri: string;
  /**
   * The file's column names when known (from its footer): a file written before a column was added lacks it, and its
   * rows then read NULL there. Absent: the file has every column of the metadata.
   */
  columns?: readonly string[];
}

/** The statements of one batch for one table, in execution order. */
export interface BatchStatements {
  /** Spark/DuckDB: the `batch` relation over the files. MySQL: empties the staging table before it is filled. Trino: nothing. */
  load: string[];
  /** Spark/DuckDB: the `changes` relation. MySQL: nothing (the staging table receives the deduplicated batch). */
  dedupe: string[];
  /** Marks each change with its `_cdc_action` (stale, insert, update, delete, tombstone). MySQL: nothing (see merge). */
  guard: string[];
  /** One query: `action`, `n` rows per action. Run after the guard, before the merge. */
  summary: string;
  /** Upserts and deletes (or appends), then records tombstones. MySQL runs guard..merge in one transaction. */
  merge: string[];
  /** Drops the session relations (Spark/DuckDB), after commit. MySQL keeps the last batch in staging until the next load. */
  cleanup: string[];
  /** The relation holding the deduplicated batch and its columns in order: what is copied into MySQL staging. */
  changes: { relation: string; columns: string[] };
}

/** Column name of the DMS operation in the source files. */
export const DMS_OP = "Op";
const ROW_IDENTITY_STRIDE = 2147483648; // 2³¹ rows per full-load file
const LOAD_FILE = /(?:^|[/\\])LOAD([0-9A-Fa-f]{8})\.parquet$/;

/**
 * The plan for one table in one dialect. Throws (naming the table) when the metadata cannot be applied: a source
 * column that collides with a bookkeeping column, or a MySQL key InnoDB cannot index.
 */
export class TablePlan {
  readonly id: string;
  readonly mode: "upsert" | "append";
  readonly names: TableNames;
  private readonly q: (part: string) => string;
  /** Unquoted names of the session relations a batch goes through (Spark/DuckDB). */
  readonly relations: { batch: string; changes: string; classified: string };

  /**
   * `iceberg`: the target's Iceberg write properties (iceberg-settings.ts), for the engines whose tables have them;
   * without it an Iceberg table gets only `format-version` 2, as before targets could set them.
   */
  constructor(
    readonly meta: TableMetadata,
    readonly dialect: Dialect,
    names?: TableNames,
    private readonly iceberg?: IcebergSettings,
  ) {
    this.id = tableId(meta);
    this.mode = meta.primaryKey.length > 0 ? "upsert" : "append";
    this.names = names ?? defaultTableNames(meta);
    this.q = (p) => dialect.quote(p);
    for (const c of meta.columns) {
      // The one list (metadata/reserved-names.ts) the metadata schema also refuses; kept here for callers that build
      // metadata in code. Every internal column name the statements below use must be in it.
      if (isReservedColumn(c.name)) throw new Error(`${this.id}: column ${c.name} collides with a CDC bookkeeping column`);
    }
    for (const k of meta.primaryKey) {
      if (!meta.columns.some((c) => c.name === k))
        throw new Error(`${this.id}: primary-key column ${k} is not a replicated column`);
    }
    if (dialect.name === "mysql" && this.mode === "upsert") checkMysqlKey(this.id, this.keyColumns());
    const safe = `${meta.schema}_${meta.table}`.replace(/[^A-Za-z0-9_]/g, "_").toLowerCase();
    this.relations = { batch: `cdc_batch_${safe}`, changes: `cdc_changes_${safe}`, classified: `cdc_classified_${safe}` };
  }

  /** Creates the target, tombstone and (MySQL) staging tables when missing. */
  create(): string[] {
    const d = this.dialect;
    const keys = new Set(this.meta.primaryKey);
    const source = this.meta.columns.map((c) => `${this.q(c.name)} ${d.columnType(c)}${keys.has(c.name) ? " NOT NULL" : ""}`);
    const book = (c: "_cdc_op" | "_cdc_seq" | "_cdc_timestamp" | "_cdc_row" | "_cdc_action", notNull = false) =>
      `${this.q(c)} ${d.bookkeepingType(c)}${notNull ? " NOT NULL" : ""}`;
    const out: string[] = [];
    // The partition spec is the target's only: tombstones hold keys alone.
    const properties = this.iceberg && icebergTableProperties(this.iceberg);
    const layout = { partitionBy: this.meta.partitionBy, properties };
    if (this.mode === "upsert") {
      out.push(
        d.createTable(
          this.name("target"),
          [...source, book("_cdc_seq", true), book("_cdc_timestamp")],
          this.meta.primaryKey,
          layout,
        ),
      );
      const keyDdl = this.keyColumns().map((c) => `${this.q(c.name)} ${d.columnType(c)} NOT NULL`);
      out.push(
        d.createTable(
          this.name("tombstones"),
          [...keyDdl, book("_cdc_seq", true), book("_cdc_timestamp")],
          this.meta.primaryKey,
          { properties },
        ),
      );
    } else {
      const log = [...source, book("_cdc_op", true), book("_cdc_seq", true), book("_cdc_timestamp"), book("_cdc_row", true)];
      out.push(d.createTable(this.name("target"), log, ["_cdc_seq", "_cdc_row"], layout));
    }
    if (d.merge === "staging") {
      // Keyed like the target: the deduplicated batch holds each key once, the guard's and the merge's joins walk both
      // tables in key order, and a batch that was not deduplicated fails loudly on load instead of applying twice.
      const index = this.mode === "upsert" ? this.meta.primaryKey : ["_cdc_seq", "_cdc_row"];
      const required = new Set(index);
      const staged = this.meta.columns.map(
        (c) => `${this.q(c.name)} ${d.columnType(c)}${required.has(c.name) ? " NOT NULL" : ""}`,
      );
      const book4 = (["_cdc_op", "_cdc_seq", "_cdc_timestamp", "_cdc_row"] as const).map((c) => book(c, required.has(c)));
      out.push(d.createTable(this.name("staging"), [...staged, ...book4], index));
    }
    return out;
  }

  /**
   * The statements applying one batch of files (Spark/DuckDB); MySQL ignores `files` (its batch arrives in staging).
   * A batch of a reload names its `generation`: the pin goes before the load, the sweep after the merge (generation.ts).
   */
  batch(files: readonly BatchFile[], generation?: Generation): BatchStatements {
    const g = generation && new GenerationSteps(this, generation);
    const plain = this.plainBatch(files, g);
    if (!g) return plain;
    return { ...plain, load: [...g.pin(), ...plain.load], merge: [...plain.merge, ...g.sweep(plain.changes.relation)] };
  }

  private plainBatch(files: readonly BatchFile[], generation: GenerationSteps | undefined): BatchStatements {
    const d = this.dialect;
    const columns = [...this.meta.columns.map((c) => c.name), "_cdc_op", "_cdc_seq", "_cdc_timestamp", "_cdc_row"];
    if (d.merge === "staging") {
      const staging = this.name("staging");
      return {
        load: [`TRUNCATE TABLE ${staging}`],
        dedupe: [],
        // The guard is part of each statement (no write to staging): cheaper than marking every staged row.
        guard: [],
        summary: `SELECT ${this.action()} AS ${this.q("action")}, COUNT(*) AS ${this.q("n")} FROM ${staging} AS s ${this.joins()} GROUP BY 1`,
        merge: this.mode === "upsert" ? this.mysqlMerge() : [this.mysqlAppend()],
        cleanup: [],
        changes: { relation: staging, columns },
      };
    }
    const [batch, changes, classified] = [this.relations.batch, this.relations.changes, this.relations.classified];
    // Trino cannot address single files: there the caller provides the `batch` relation (e.g. a view over the
    // harmonized catalog table filtered by "$path") and the plan starts at the dedupe.
    if (d.readFiles && files.length === 0) throw new Error(`${this.id}: a batch needs at least one file`);
    return {
      load: d.readFiles ? [d.relation(batch, this.readFiles(files, generation), false)] : [],
      dedupe: [d.relation(changes, this.dedupe(columns), true)],
      guard: [
        d.relation(
          classified,
          `SELECT ${this.classifiedColumns()}, ${this.action()} AS ${this.q("_cdc_action")} FROM ${this.q(changes)} AS s ${this.joins()}`,
          true,
        ),
      ],
      summary: this.summary(this.q(classified)),
      merge:
        this.mode === "append"
          ? [this.append(this.q(classified))]
          : d.merge === "delete-insert"
            ? this.deleteInsert()
            : this.mergeInto(),
      cleanup: [d.dropRelation(classified, true), d.dropRelation(changes, true), d.dropRelation(batch, false)],
      changes: { relation: this.q(changes), columns },
    };
  }

  /**
   * Deletes tombstones of deletes committed before `cutoff` (a `cdc_timestamp`, see `tombstoneCutoff`). Executors run
   * it *before* a batch's guard, never after its merge: then a run is "expire, then apply", which a retry repeats
   * without effect. Expiring after the merge would let a retried batch (MySQL committed, the Iceberg merge failed)
   * meet keys its first attempt saw guarded, and resurrect rows in MySQL only.
   */
  expire(cutoff: string): string[] {
    if (this.mode === "append") return [];
    return [`DELETE FROM ${this.name("tombstones")} WHERE ${this.q("_cdc_timestamp")} < ${literal(this.dialect, cutoff)}`];
  }

  /** The live rows as the publication exposes them: source columns, then `_cdc_seq`, `_cdc_timestamp` (and `_cdc_op`). */
  publicationColumns(): string[] {
    const extra = this.mode === "upsert" ? ["_cdc_seq", "_cdc_timestamp"] : ["_cdc_op", "_cdc_seq", "_cdc_timestamp"];
    return [...this.meta.columns.map((c) => c.name), ...extra];
  }

  /** Quoted, qualified name of one of the table's physical tables. */
  name(kind: keyof TableNames): string {
    return qualified(this.dialect, this.names[kind]);
  }

  private keyColumns(): ColumnMetadata[] {
    return this.meta.primaryKey.map((k) => this.meta.columns.find((c) => c.name === k) as ColumnMetadata);
  }

  private readFiles(files: readonly BatchFile[], generation?: GenerationSteps): string {
    const d = this.dialect;
    if (!d.readFiles) throw new Error(`${d.name} cannot read batch files`);
    // A file delivered twice in one batch adds nothing but ties: keep its last position.
    const last = new Map(files.map((f, i) => [f.uri, i]));
    const sources = files
      .filter((f, i) => last.get(f.uri) === i)
      .map((f, i) => {
        const load = LOAD_FILE.exec(f.uri);
        const loadCounter = load ? parseInt(load[1], 16) : 0;
        if (loadCounter >= ROW_IDENTITY_STRIDE) throw new Error(`${f.uri}: full-load file counter too large`);
        return {
          uri: f.uri,
          order: i + 1,
          loadCounter,
          ...(f.columns && { columns: new Set(f.columns.map((c) => c.toLowerCase())) }),
        };
      });
    const raw = `CAST(${this.q("cdc_seq")} AS ${d.bookkeepingType("_cdc_seq")})`;
    // Rows of a LOAD file are full-load rows, whatever their cdc_seq holds (validation checks it in CDC files only).
    // In CDC files DMS writes full-width sequences and validation admits only digits: those pass as they are, which
    // spares a string copy per change; the padding is for shorter ones.
    const seq = (e: { loadCounter: string }) =>
      `CASE WHEN ${e.loadCounter} > 0 THEN ${generation?.loadSeq() ?? literal(d, FULL_LOAD_SEQ)} WHEN length(${raw}) = ${SEQ_WIDTH} THEN ${raw} ` +
      `ELSE lpad(coalesce(nullif(trim(${raw}), ''), '0'), ${SEQ_WIDTH}, '0') END`;
    return d.readFiles(sources, (e) =>
      [
        ...this.meta.columns.map((c) => {
          const read = !e.columns || e.columns.has(c.name.toLowerCase()) ? this.q(c.name) : "NULL";
          return `CAST(${read} AS ${d.columnType(c)}) AS ${this.q(c.name)}`;
        }),
        `upper(CAST(${this.q(DMS_OP)} AS ${d.bookkeepingType("_cdc_op")})) AS ${this.q("_cdc_op")}`,
        `${seq(e)} AS ${this.q("_cdc_seq")}`,
        `CAST(${this.q("cdc_timestamp")} AS ${d.bookkeepingType("_cdc_timestamp")}) AS ${this.q("_cdc_timestamp")}`,
        `${e.fileOrder} AS ${this.q("_cdc_file_order")}`,
        `${e.fileRow} AS ${this.q("_cdc_file_row")}`,
        // CDC files have counter 0, so their rows get identity 0: the sequence alone identifies a CDC change.
        `CASE WHEN ${e.loadCounter} > 0 THEN ${e.loadCounter} * ${ROW_IDENTITY_STRIDE} + ${e.fileRow} ELSE 0 END AS ${this.q("_cdc_row")}`,
      ].join(", "),
    );
  }

  /**
   * The last change per key. With `repeated-keys` (see the dialect), most keys change once per batch: those pass
   * straight through, and only keys repeated in the batch go through the window. The repeated keys are a subquery
   * written twice rather than a `WITH`: Spark 3.5 never reuses a relation cached as `CACHE TABLE … AS WITH …` (the CTE
   * makes its plan differ from the cached one), so every later statement would dedupe again.
   */
  private dedupe(columns: string[]): string {
    const q = this.q;
    const list = columns.map(q).join(", ");
    const partition = this.mode === "upsert" ? this.meta.primaryKey : ["_cdc_seq", "_cdc_row"];
    const order = ["_cdc_seq", "_cdc_file_order", "_cdc_file_row"].map((c) => `${q(c)} DESC`).join(", ");
    const [batch, rank] = [q(this.relations.batch), q("_cdc_rank")];
    const keys = partition.map(q).join(", ");
    const last = (where: string) =>
      `SELECT ${list} FROM (SELECT b.*, ROW_NUMBER() OVER (PARTITION BY ${keys} ORDER BY ${order}) AS ${rank} ` +
      `FROM ${batch} AS b${where}) AS ranked WHERE ${rank} = 1`;
    if (this.dialect.dedupe === "window") return last("");
    const repeated = `(SELECT ${keys} FROM ${batch} GROUP BY ${keys} HAVING COUNT(*) > 1)`;
    const isRepeated = `EXISTS (SELECT 1 FROM ${repeated} AS r WHERE ${partition.map((c) => `r.${q(c)} = b.${q(c)}`).join(" AND ")})`;
    return `SELECT ${list} FROM ${batch} AS b WHERE NOT ${isRepeated} UNION ALL ${last(` WHERE ${isRepeated}`)}`;
  }

  /** `LEFT JOIN` of the change `s` to its target row `t` (and tombstone `b`). */
  private joins(): string {
    if (this.mode === "append") {
      const on = ["_cdc_seq", "_cdc_row"].map((c) => `t.${this.q(c)} = s.${this.q(c)}`).join(" AND ");
      return `LEFT JOIN ${this.name("target")} AS t ON ${on}`;
    }
    return `LEFT JOIN ${this.name("target")} AS t ON ${this.keyMatch("t", "s")} LEFT JOIN ${this.name("tombstones")} AS b ON ${this.keyMatch("b", "s")}`;
  }

  /** The guard (DESIGN §5) as one CASE over the joins: a change applies only if newer than the row and the tombstone. */
  private action(): string {
    const seq = this.q("_cdc_seq");
    if (this.mode === "append") return `CASE WHEN t.${seq} IS NULL THEN 'insert' ELSE 'stale' END`;
    const k = this.q(this.meta.primaryKey[0]);
    return (
      `CASE WHEN (t.${k} IS NOT NULL AND s.${seq} <= t.${seq}) OR (b.${k} IS NOT NULL AND s.${seq} <= b.${seq}) THEN 'stale' ` +
      `WHEN s.${this.q("_cdc_op")} = 'D' THEN CASE WHEN t.${k} IS NULL THEN 'tombstone' ELSE 'delete' END ` +
      `WHEN t.${k} IS NULL THEN 'insert' ELSE 'update' END`
    );
  }

  private summary(relation: string): string {
    const action = this.q("_cdc_action");
    return `SELECT ${action} AS ${this.q("action")}, COUNT(*) AS ${this.q("n")} FROM ${relation} GROUP BY ${action}`;
  }

  /**
   * Tombstones first, then the target, whose MERGE re-checks the guard itself instead of reading `classified`: a
   * commit to a table makes Spark recompute every cached relation that reads it, so a statement reading `classified`
   * after the target's commit would join the whole target again. The tombstone MERGE commits only to the tombstones,
   * which the target MERGE reads next to the batch (`_cdc_tombstone_seq`); a delete's own new tombstone has its
   * sequence, hence `>=` for matched rows. A run stopped between the two commits leaves tombstones of deletes whose rows
   * still exist; its retry finds those deletes newer than their rows and equal to their tombstones, and deletes them.
   */
  private mergeInto(): string[] {
    const q = this.q;
    const [op, seq, tomb] = [q("_cdc_op"), q("_cdc_seq"), q("_cdc_tombstone_seq")];
    const tombCols = [...this.meta.primaryKey, "_cdc_seq", "_cdc_timestamp"];
    const deletes = `(SELECT ${tombCols.map(q).join(", ")} FROM ${q(this.relations.classified)} WHERE ${op} = 'D' AND ${q("_cdc_action")} <> 'stale')`;
    const tombstones =
      `MERGE INTO ${this.name("tombstones")} AS t USING ${deletes} AS s ON ${this.keyMatch("t", "s")} ` +
      `WHEN MATCHED THEN UPDATE SET ${seq} = s.${seq}, ${q("_cdc_timestamp")} = s.${q("_cdc_timestamp")} ` +
      `WHEN NOT MATCHED THEN INSERT (${tombCols.map(q).join(", ")}) VALUES (${tombCols.map((c) => `s.${q(c)}`).join(", ")})`;
    const source =
      `(SELECT s.*, b.${seq} AS ${tomb} FROM ${q(this.relations.changes)} AS s ` +
      `LEFT JOIN ${this.name("tombstones")} AS b ON ${this.keyMatch("b", "s")})`;
    const newer = `s.${seq} > t.${seq} AND (s.${tomb} IS NULL OR s.${seq} >= s.${tomb})`;
    const cols = [...this.meta.columns.map((c) => c.name), "_cdc_seq", "_cdc_timestamp"];
    const keys = new Set(this.meta.primaryKey);
    const set = cols.filter((c) => !keys.has(c)).map((c) => `${q(c)} = s.${q(c)}`);
    const target =
      `MERGE INTO ${this.name("target")} AS t USING ${source} AS s ON ${this.keyMatch("t", "s")} ` +
      `WHEN MATCHED AND ${newer} AND s.${op} = 'D' THEN DELETE ` +
      `WHEN MATCHED AND ${newer} THEN UPDATE SET ${set.join(", ")} ` +
      `WHEN NOT MATCHED AND s.${op} <> 'D' AND (s.${tomb} IS NULL OR s.${seq} > s.${tomb}) ` +
      `THEN INSERT (${cols.map(q).join(", ")}) VALUES (${cols.map((c) => `s.${q(c)}`).join(", ")})`;
    return [tombstones, target];
  }

  /**
   * What `classified` keeps of each change: all of it for change logs, which append from it; for upserts only what
   * the summary and the tombstones read — the key, and for MERGE INTO the delete's sequence and time — since both
   * merges take the new images from `changes` (carrying wide rows through the guard's join and a second cache costs
   * more than joining back the ones that apply).
   */
  private classifiedColumns(): string {
    if (this.mode === "append") return "s.*";
    const kept =
      this.dialect.merge === "delete-insert"
        ? this.meta.primaryKey
        : [...this.meta.primaryKey, "_cdc_op", "_cdc_seq", "_cdc_timestamp"];
    return kept.map((k) => `s.${this.q(k)}`).join(", ");
  }

  /**
   * The merge as plain deletes and appends: rows of updated and deleted keys go; every upsert the guard did not find
   * stale arrives with its new image from `changes`, every such delete as a tombstone. Same outcome as {@link mergeInto};
   * the anti-join hashes only the stale changes, usually none.
   */
  private deleteInsert(): string[] {
    const q = this.q;
    const [changes, classified, action, op] = [
      q(this.relations.changes),
      q(this.relations.classified),
      q("_cdc_action"),
      q("_cdc_op"),
    ];
    const remove = (table: string, actions: string[]) =>
      `DELETE FROM ${table} AS t USING ${classified} AS s WHERE ${this.keyMatch("t", "s")} AND s.${action} IN (${actions.map((a) => `'${a}'`).join(", ")})`;
    const add = (table: string, cols: string[], deletes: boolean) =>
      `INSERT INTO ${table} (${cols.map(q).join(", ")}) SELECT ${cols.map((c) => `c.${q(c)}`).join(", ")} FROM ${changes} AS c ` +
      `WHERE c.${op} ${deletes ? "=" : "<>"} 'D' AND NOT EXISTS ` +
      `(SELECT 1 FROM ${classified} AS s WHERE ${this.keyMatch("s", "c")} AND s.${action} = 'stale')`;
    const cols = [...this.meta.columns.map((c) => c.name), "_cdc_seq", "_cdc_timestamp"];
    return [
      remove(this.name("target"), ["update", "delete"]),
      add(this.name("target"), cols, false),
      remove(this.name("tombstones"), ["delete", "tombstone"]),
      add(this.name("tombstones"), [...this.meta.primaryKey, "_cdc_seq", "_cdc_timestamp"], true),
    ];
  }

  private append(from: string): string {
    const cols = this.publicationColumns().concat("_cdc_row").map(this.q).join(", ");
    return `INSERT INTO ${this.name("target")} (${cols}) SELECT ${cols} FROM ${from} WHERE ${this.q("_cdc_action")} = 'insert'`;
  }

  /** The guard as a predicate over the joins of {@link joins}: newer than the stored row and the tombstone. */
  private fresh(): string {
    const seq = this.q("_cdc_seq");
    const k = this.q(this.meta.primaryKey[0]);
    return `(t.${k} IS NULL OR s.${seq} > t.${seq}) AND (b.${k} IS NULL OR s.${seq} > b.${seq})`;
  }

  /**
   * Delete, tombstones, upsert — each guarded in its own WHERE. The order keeps the guard's verdict: deleting a row
   * leaves its delete still fresh for the tombstone statement, and upserts touch only keys whose last change is not a
   * delete.
   */
  private mysqlMerge(): string[] {
    const q = this.q;
    const [staging, target, tombstones] = [this.name("staging"), this.name("target"), this.name("tombstones")];
    const op = `s.${q("_cdc_op")}`;
    const del =
      `DELETE t FROM ${target} AS t JOIN ${staging} AS s ON ${this.keyMatch("t", "s")} ` +
      `LEFT JOIN ${tombstones} AS b ON ${this.keyMatch("b", "s")} WHERE ${op} = 'D' AND ${this.fresh()}`;
    const tombCols = [...this.meta.primaryKey, "_cdc_seq", "_cdc_timestamp"];
    const tomb =
      `INSERT INTO ${tombstones} (${tombCols.map(q).join(", ")}) SELECT ${tombCols.map((c) => `s.${q(c)}`).join(", ")} ` +
      `FROM ${staging} AS s ${this.joins()} WHERE ${op} = 'D' AND ${this.fresh()} ON DUPLICATE KEY UPDATE ` +
      `${tombstones}.${q("_cdc_seq")} = VALUES(${q("_cdc_seq")}), ${tombstones}.${q("_cdc_timestamp")} = VALUES(${q("_cdc_timestamp")})`;
    const cols = [...this.meta.columns.map((c) => c.name), "_cdc_seq", "_cdc_timestamp"];
    const keys = new Set(this.meta.primaryKey);
    // Qualified on the left: MySQL would otherwise find the same column name in the SELECT's tables too.
    const update = cols.filter((c) => !keys.has(c)).map((c) => `${target}.${q(c)} = VALUES(${q(c)})`);
    const upsert =
      `INSERT INTO ${target} (${cols.map(q).join(", ")}) SELECT ${cols.map((c) => `s.${q(c)}`).join(", ")} ` +
      `FROM ${staging} AS s ${this.joins()} WHERE ${op} <> 'D' AND ${this.fresh()} ON DUPLICATE KEY UPDATE ${update.join(", ")}`;
    return [del, tomb, upsert];
  }

  private mysqlAppend(): string {
    const cols = this.publicationColumns().concat("_cdc_row").map(this.q);
    return (
      `INSERT INTO ${this.name("target")} (${cols.join(", ")}) SELECT ${cols.map((c) => `s.${c}`).join(", ")} ` +
      `FROM ${this.name("staging")} AS s ${this.joins()} WHERE t.${this.q("_cdc_seq")} IS NULL`
    );
  }

  private keyMatch(a: string, b: string): string {
    return this.meta.primaryKey.map((k) => `${a}.${this.q(k)} = ${b}.${this.q(k)}`).join(" AND ");
  }
}
