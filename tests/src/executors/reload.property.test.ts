/**
 * Property: reloads on DuckDB (both merge shapes) and MariaDB (through the local path) against the reference model
 * and the closed form of a reload (tests/src/executors/reload-property.ts). A failure names the seed; rerun it alone
 * with CDC_PROPERTY_SEED_START=<seed> CDC_RELOAD_SEEDS=1.
 */
import type { TableMetadata } from "../../../metadata/format";
import { DuckDbExecutor } from "../../../src/executors/duckdb";
import { applyBatchLocally } from "../../../src/executors/local-apply";
import { MySqlExecutor } from "../../../src/executors/mysql";
import { mysqlTestDatabase } from "../../support/databases";
import { checkReloadSeeds, RELOAD_SEEDS, type ReloadPropertyTarget } from "./reload-property";

/** Empties a table's target and tombstones and the generation pins (a seed's floor must be its own). */
async function emptyTables(run: (sql: string) => Promise<unknown>, names: string[]): Promise<void> {
  for (const name of names) await run(`DELETE FROM ${name}`);
  await run("DELETE FROM _cdc_generations").catch(() => undefined);
}

describe.each(["delete-insert", "merge-into"] as const)("reloads on DuckDB (%s) against the reference model", (merge) => {
  it(`rebuild, retry and replay leave the model's rows: ${RELOAD_SEEDS} seeds`, async () => {
    const duck = await DuckDbExecutor.open(":memory:", { threads: 1, merge });
    try {
      const target: ReloadPropertyTarget = {
        reset: async (meta: TableMetadata) => {
          const plan = duck.plan(meta);
          await duck.ensureTables(plan);
          const names = plan.mode === "upsert" ? [plan.name("target"), plan.name("tombstones")] : [plan.name("target")];
          await emptyTables((sql) => duck.connection.run(sql), names);
        },
        apply: async (meta, files, generation) => {
          await duck.apply(
            meta,
            files.map((uri) => ({ uri })),
            { generation },
          );
        },
        rows: (meta) => duck.rows(meta),
      };
      expect(await checkReloadSeeds(duck.connection, target)).toBeUndefined();
    } finally {
      duck.close();
    }
  }, 300_000);
});

const db = mysqlTestDatabase("cdc_reload_property");
db.describe("reloads on MariaDB against the reference model", () => {
  it(`rebuild, retry and replay leave the model's rows: ${Math.min(RELOAD_SEEDS, 40)} seeds`, async () => {
    const duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
    const mysql = await MySqlExecutor.connect(db.url());
    try {
      const target: ReloadPropertyTarget = {
        reset: async (meta: TableMetadata) => {
          const [dp, mp] = [duck.plan(meta), mysql.plan(meta)];
          await duck.ensureTables(dp);
          await mysql.ensureTables(mp);
          const kinds = dp.mode === "upsert" ? (["target", "tombstones"] as const) : (["target"] as const);
          await emptyTables(
            (sql) => duck.connection.run(sql),
            kinds.map((k) => dp.name(k)),
          );
          await emptyTables(
            (sql) => mysql.connection.query(sql),
            kinds.map((k) => mp.name(k)),
          );
        },
        apply: async (meta, files, generation) => {
          await applyBatchLocally(
            { duck, mysql },
            meta,
            files.map((uri) => ({ uri })),
            { generation },
          );
        },
        rows: (meta) => mysql.rows(meta),
      };
      expect(await checkReloadSeeds(duck.connection, target, { count: Math.min(RELOAD_SEEDS, 40) })).toBeUndefined();
    } finally {
      duck.close();
      await mysql.close();
    }
  }, 300_000);
});
