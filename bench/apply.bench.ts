/**
 * Applying a CDC batch: the plan's set-based statements vs a naive row-by-row apply (look up the row and its tombstone,
 * then one UPDATE/INSERT/DELETE per change), on DuckDB and on MySQL/MariaDB.
 *
 * Goals: DuckDB ≥ 1M changes/s and ≥ 50× row-by-row; MySQL ≥ 50k changes/s and ≥ 20×. Defaults take ~20 s and ~3 GB.
 *
 * Knobs: CDC_BENCH_ROWS (DuckDB target rows, default 10,000,000), CDC_BENCH_CHANGES (default 1,000,000),
 * CDC_BENCH_MYSQL_ROWS (default 200,000), CDC_BENCH_MYSQL_CHANGES (default 100,000),
 * CDC_BENCH_NAIVE (changes the row-by-row baselines apply, default 2,000 — rates are per change, so a sample suffices),
 * CDC_BENCH_MYSQL_URL (server, default mysql://root@127.0.0.1:3306; database cdc_apply_bench is created and dropped).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import mysql from "mysql2/promise";
import type { TableMetadata } from "../metadata/format";
import { DuckDbExecutor } from "../src/executors/duckdb";
import { MySqlExecutor } from "../src/executors/mysql";
import { readStagingRows } from "../src/executors/transfer";
import type { Benchmark } from "./run";
import { benchColumn as col, printTable, ratio, timed } from "./table";

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROWS = num("CDC_BENCH_ROWS", 10_000_000);
const CHANGES = num("CDC_BENCH_CHANGES", 1_000_000);
const MYSQL_ROWS = num("CDC_BENCH_MYSQL_ROWS", 200_000);
const MYSQL_CHANGES = num("CDC_BENCH_MYSQL_CHANGES", 100_000);
const NAIVE = num("CDC_BENCH_NAIVE", 2_000);
const MYSQL_URL = process.env.CDC_BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";

const META: TableMetadata = {
  schema: "bench",
  table: "accounts",
  primaryKey: ["id"],
  excluded: [],
  columns: [
    col("id", 1, "INT8"),
    col("name", 2, "STRING", { length: 40 }),
    col("amount", 3, "NUMERIC", { precision: 12, scale: 2 }),
    col("updated_at", 4, "DATETIME", { scale: 6 }),
  ],
};

/**
 * Target rows (keys 0..rows-1, seq 1) and a CDC file of `changes`: 70% updates, 10% deletes, 20% inserts of new keys,
 * with 35-digit sequences as DMS writes them.
 */
async function prepare(duck: DuckDbExecutor, rows: number, changes: number, dir: string): Promise<string> {
  const plan = duck.plan(META);
  await duck.ensureTables(plan);
  await duck.connection.run(`DELETE FROM ${plan.name("target")}`);
  await duck.connection.run(
    `INSERT INTO ${plan.name("target")} SELECT i, 'name ' || i, (i % 100000) / 100, TIMESTAMP '2024-01-01' + to_seconds(i), lpad('1', 35, '0'), '2024-01-01 00:00:00.000000' FROM range(${rows}) t(i)`,
  );
  const file = path.join(dir, "bench", "accounts", "20240102-000000000.parquet");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const op = `CASE WHEN i % 10 < 7 THEN 'U' WHEN i % 10 = 7 THEN 'D' ELSE 'I' END`;
  const key = `CASE WHEN i % 10 < 8 THEN (i * 7919) % ${rows} ELSE ${rows} + i END`;
  await duck.connection.run(
    `COPY (SELECT ${op} AS "Op", '2024-01-02 00:00:00.000000' AS cdc_timestamp, '2024010200000000000' || lpad(CAST(1000 + i AS VARCHAR), 16, '0') AS cdc_seq, ${key} AS id, ` +
      `'changed ' || i AS name, CAST((i % 1000) / 10 AS DECIMAL(12,2)) AS amount, TIMESTAMP '2024-01-02' AS updated_at FROM range(${changes}) t(i)) ` +
      `TO '${file}' (FORMAT parquet)`,
  );
  return file;
}

/** Naive DuckDB apply of the first `n` changes: one lookup and one statement per change. */
async function naiveDuck(duck: DuckDbExecutor, file: string, n: number): Promise<void> {
  const c = duck.connection;
  // The fair baseline has an index on the key, so each lookup is a point lookup.
  await c.run(`DROP TABLE IF EXISTS naive`);
  await c.run(
    `CREATE TABLE naive (id BIGINT PRIMARY KEY, name VARCHAR, amount DECIMAL(12,2), updated_at TIMESTAMP, _cdc_seq VARCHAR, _cdc_timestamp VARCHAR)`,
  );
  await c.run(`INSERT INTO naive SELECT * FROM ${duck.plan(META).name("target")}`);
  await c.run(`CREATE OR REPLACE TABLE naive_tomb (id BIGINT PRIMARY KEY, _cdc_seq VARCHAR)`);
  const changes = (
    await c.runAndReadAll(
      `SELECT "Op", lpad(cdc_seq, 35, '0'), id, name, CAST(amount AS VARCHAR), CAST(updated_at AS VARCHAR) FROM read_parquet('${file}') LIMIT ${n}`,
    )
  ).getRows();
  const lookup = await c.prepare(
    `SELECT (SELECT _cdc_seq FROM naive WHERE id = $1), (SELECT _cdc_seq FROM naive_tomb WHERE id = $1)`,
  );
  const update = await c.prepare(
    `UPDATE naive SET name = $2, amount = CAST($3 AS DECIMAL(12,2)), updated_at = CAST($4 AS TIMESTAMP), _cdc_seq = $5 WHERE id = $1`,
  );
  const insert = await c.prepare(
    `INSERT INTO naive VALUES ($1, $2, CAST($3 AS DECIMAL(12,2)), CAST($4 AS TIMESTAMP), $5, '2024-01-02 00:00:00.000000')`,
  );
  const del = await c.prepare(`DELETE FROM naive WHERE id = $1`);
  const tomb = await c.prepare(`INSERT INTO naive_tomb VALUES ($1, $2)`);
  for (const [op, seq, id, name, amount, at] of changes) {
    lookup.bind([id as bigint]);
    const [[stored, tombSeq]] = (await lookup.runAndReadAll()).getRows();
    if ((stored !== null && String(seq) <= String(stored)) || (tombSeq !== null && String(seq) <= String(tombSeq))) continue;
    if (op === "D") {
      del.bind([id as bigint]);
      await del.run();
      tomb.bind([id as bigint, seq as string]);
      await tomb.run();
    } else {
      const stmt = stored === null ? insert : update;
      stmt.bind([id as bigint, name as string, amount as string, at as string, seq as string]);
      await stmt.run();
    }
  }
  // The baseline's copy (with its index) would otherwise sit in memory while the plan is measured.
  for (const s of [lookup, update, insert, del, tomb]) s.destroySync();
  await c.run(`DROP TABLE naive`);
  await c.run(`DROP TABLE naive_tomb`);
}

/** Naive MySQL apply of staged rows: per change a SELECT of row and tombstone, then one statement, in one transaction. */
async function naiveMysql(conn: mysql.Connection, rows: Array<Array<string | null>>): Promise<void> {
  await conn.query("DROP TABLE IF EXISTS naive");
  await conn.query("CREATE TABLE naive LIKE `bench__accounts`");
  await conn.query("INSERT INTO naive SELECT * FROM `bench__accounts`");
  await conn.beginTransaction();
  for (const [id, name, amount, at, op, seq, ts] of rows) {
    const [found] = await conn.query(
      "SELECT (SELECT _cdc_seq FROM naive WHERE id = ?) AS s, (SELECT _cdc_seq FROM `bench__accounts__tombstones` WHERE id = ?) AS t",
      [id, id],
    );
    const { s, t } = (found as Array<{ s: string | null; t: string | null }>)[0];
    if ((s !== null && (seq as string) <= s) || (t !== null && (seq as string) <= t)) continue;
    if (op === "D") await conn.query("DELETE FROM naive WHERE id = ?", [id]);
    else if (s === null) await conn.query("INSERT INTO naive VALUES (?, ?, ?, ?, ?, ?)", [id, name, amount, at, seq, ts]);
    else
      await conn.query("UPDATE naive SET name = ?, amount = ?, updated_at = ?, _cdc_seq = ?, _cdc_timestamp = ? WHERE id = ?", [
        name,
        amount,
        at,
        seq,
        ts,
        id,
      ]);
  }
  await conn.commit();
}

const bench: Benchmark = {
  title: "CDC apply: set-based plan vs row-by-row, DuckDB and MySQL",
  async run() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-bench-apply-"));
    const duck = await DuckDbExecutor.open();
    const table: Array<Array<string | number>> = [];
    try {
      const file = await prepare(duck, ROWS, CHANGES, dir);
      const naive = await timed(() => naiveDuck(duck, file, Math.min(NAIVE, CHANGES)));
      const plan = await timed(() => duck.apply(META, [{ uri: file }]));
      const [naiveRate, planRate] = [Math.min(NAIVE, CHANGES) / naive.seconds, CHANGES / plan.seconds];
      table.push([
        `DuckDB row-by-row (${Math.min(NAIVE, CHANGES).toLocaleString("en-US")} changes, ${ROWS.toLocaleString("en-US")} rows)`,
        naive.seconds,
        naiveRate,
        "1.00×",
      ]);
      table.push([
        `DuckDB plan (${CHANGES.toLocaleString("en-US")} changes, ${ROWS.toLocaleString("en-US")} rows)`,
        plan.seconds,
        planRate,
        ratio(naiveRate, planRate, true),
      ]);

      const server = await mysql.createConnection({ uri: MYSQL_URL }).catch((err: Error) => err);
      if (server instanceof Error) {
        table.push([`MySQL: skipped, ${MYSQL_URL} unreachable (${server.message})`, 0, 0, "n/a"]);
      } else {
        await server.query("DROP DATABASE IF EXISTS cdc_apply_bench");
        await server.query("CREATE DATABASE cdc_apply_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        await server.end();
        const my = await MySqlExecutor.connect(`${MYSQL_URL.replace(/\/+$/, "")}/cdc_apply_bench`);
        try {
          const mfile = await prepare(duck, MYSQL_ROWS, MYSQL_CHANGES, path.join(dir, "mysql"));
          // Seed the MySQL target with the same rows through the executor itself (as one big full load).
          const seed = await duck.stage(META, [{ uri: mfile }]);
          await duck.connection.run(`CREATE OR REPLACE TEMP TABLE seed_rows AS SELECT * FROM ${duck.plan(META).name("target")}`);
          await duck.connection.run(
            `CREATE OR REPLACE TEMP TABLE ${seed.statements.changes.relation} AS SELECT id, name, amount, updated_at, 'I' AS _cdc_op, _cdc_seq, _cdc_timestamp, 0 AS _cdc_row FROM seed_rows`,
          );
          await my.apply(META, await readStagingRows(duck, seed));
          const staged = await duck.stage(META, [{ uri: mfile }]);
          const rows = await readStagingRows(duck, staged);
          const naiveN = Math.min(NAIVE, rows.rows.length);
          const naiveM = await timed(() => naiveMysql(my.connection, rows.rows.slice(0, naiveN)));
          const planM = await timed(() => my.apply(META, rows));
          const [nr, pr] = [naiveN / naiveM.seconds, rows.rows.length / planM.seconds];
          table.push([
            `MySQL row-by-row (${naiveN.toLocaleString("en-US")} changes, ${MYSQL_ROWS.toLocaleString("en-US")} rows)`,
            naiveM.seconds,
            nr,
            "1.00×",
          ]);
          table.push([
            `MySQL staging + set-based (${rows.rows.length.toLocaleString("en-US")} changes)`,
            planM.seconds,
            pr,
            ratio(nr, pr, true),
          ]);
        } finally {
          await my.connection.query("DROP DATABASE IF EXISTS cdc_apply_bench");
          await my.close();
        }
      }
    } finally {
      duck.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    printTable(["apply", "seconds", "changes/s", "vs row-by-row"], table);
  },
};

export default bench;
