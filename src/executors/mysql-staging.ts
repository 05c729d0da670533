/**
 * Fills a MySQL staging table with a deduplicated batch: `LOAD DATA LOCAL INFILE` streamed from memory where the
 * server allows it (MariaDB's default), else multi-row INSERTs (MySQL 8 turns local_infile off by default). The first
 * refusal switches the connection to INSERTs for good.
 *
 * LOAD DATA LOCAL turns data errors (a value too long, a duplicate key) into warnings and carries on, so a load that
 * warns, or stores a different number of rows than it was given, is an error here: the merge never runs on a staging
 * table that does not hold exactly the batch.
 */
import { Readable } from "node:stream";
import type mysql from "mysql2/promise";
import { mysql as mysqlDialect } from "../../handlers/core/plan/dialect";
import type { StagingRows } from "./mysql";

/** Bytes of SQL per multi-row INSERT: big statements amortise round trips, well under max_allowed_packet (16 MiB). */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Bytes per chunk of the LOAD DATA stream. */
const STREAM_CHUNK_BYTES = 256 * 1024;
/**
 * local_infile is off: ER_NOT_ALLOWED_COMMAND (older servers), ER_CLIENT_LOCAL_FILES_DISABLED (MySQL 8),
 * ER_LOAD_INFILE_CAPABILITY_DISABLED (MariaDB 10.5+).
 */
const LOCAL_INFILE_REFUSED = new Set([1148, 3948, 4166]);

export class StagingLoader {
  private localInfile = true;

  constructor(private readonly connection: mysql.Connection) {}

  /** Loads `batch` into the (empty) table `staging`, a quoted name; throws unless every row landed unchanged. */
  async load(staging: string, batch: StagingRows): Promise<void> {
    if (batch.rows.length === 0) return;
    if (this.localInfile) {
      try {
        await this.loadData(staging, batch);
        return;
      } catch (err) {
        if (!LOCAL_INFILE_REFUSED.has((err as { errno?: number }).errno ?? 0)) throw err;
        this.localInfile = false;
      }
    }
    await this.insert(staging, batch);
  }

  private async loadData(staging: string, batch: StagingRows): Promise<void> {
    // Columns that need a conversion (binary shipped as hex) go through a user variable and a SET clause.
    const targets = batch.columns.map((c, i) => (batch.placeholders[i] === "?" ? mysqlDialect.quote(c) : `@cdc_${i}`));
    const sets = batch.columns.flatMap((c, i) =>
      batch.placeholders[i] === "?" ? [] : [`${mysqlDialect.quote(c)} = ${batch.placeholders[i].replace("?", `@cdc_${i}`)}`],
    );
    const sql =
      `LOAD DATA LOCAL INFILE 'cdc-staging' INTO TABLE ${staging} CHARACTER SET utf8mb4 ` +
      `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${targets.join(", ")})` +
      (sets.length > 0 ? ` SET ${sets.join(", ")}` : "");
    const [result] = await this.connection.query({ sql, infileStreamFactory: () => Readable.from(tsvChunks(batch.rows)) });
    const { affectedRows, warningStatus } = result as mysql.ResultSetHeader;
    if (warningStatus > 0) {
      const [warnings] = await this.connection.query("SHOW WARNINGS LIMIT 3");
      const first = (warnings as Array<{ Message: string }>).map((w) => w.Message).join("; ");
      throw new Error(`${staging}: staging load reported ${warningStatus} warning(s), nothing was applied: ${first}`);
    }
    if (affectedRows !== batch.rows.length) {
      throw new Error(`${staging}: staging load stored ${affectedRows} of ${batch.rows.length} rows, nothing was applied`);
    }
  }

  /** Multi-row INSERTs of escaped literals, each up to {@link CHUNK_BYTES}; strict mode rejects what does not fit. */
  private async insert(staging: string, batch: StagingRows): Promise<void> {
    const head = `INSERT INTO ${staging} (${batch.columns.map((c) => mysqlDialect.quote(c)).join(", ")}) VALUES `;
    const [before, after] = [
      batch.placeholders.map((p) => p.split("?")[0]),
      batch.placeholders.map((p) => p.split("?")[1] ?? ""),
    ];
    let values: string[] = [];
    let bytes = 0;
    const flush = async () => {
      if (values.length > 0) await this.connection.query(head + values.join(", "));
      values = [];
      bytes = 0;
    };
    for (const row of batch.rows) {
      const tuple = `(${row.map((v, i) => (v === null ? "NULL" : `${before[i]}${this.connection.escape(v)}${after[i]}`)).join(", ")})`;
      values.push(tuple);
      bytes += tuple.length + 2;
      if (bytes >= CHUNK_BYTES) await flush();
    }
    await flush();
  }
}

/** One field of LOAD DATA's default text format: `\N` is NULL; backslash, tab, newline, CR and NUL are escaped. */
export function tsvField(value: string | null): string {
  if (value === null) return "\\N";
  return value.replace(
    /[\\\t\n\r\0]/g,
    (c) => ({ "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0" })[c] as string,
  );
}

function* tsvChunks(rows: ReadonlyArray<ReadonlyArray<string | null>>): Generator<Buffer> {
  let chunk = "";
  for (const row of rows) {
    chunk += row.map(tsvField).join("\t") + "\n";
    if (chunk.length >= STREAM_CHUNK_BYTES) {
      yield Buffer.from(chunk, "utf8");
      chunk = "";
    }
  }
  if (chunk.length > 0) yield Buffer.from(chunk, "utf8");
}
