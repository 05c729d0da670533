/**
 * Property: the MySQL target (real MariaDB), fed each batch the way the Glue job feeds it — DuckDB deduplicates, the
 * batch is bulk-loaded into staging, the set-based statements run in one transaction — equals the reference model fed
 * the in-order history, row for row, for every seed; and it counts every batch exactly as DuckDB does.
 */
import type { TableMetadata } from "../../../metadata/format";
import { DuckDbExecutor } from "../../../src/executors/duckdb";
import { applyBatchLocally } from "../../../src/executors/local-apply";
import { MySqlExecutor } from "../../../src/executors/mysql";
import { mysqlTestDatabase } from "../../support/databases";
import { checkSeeds, SEED_START, SEEDS, type PropertyTarget } from "./property-run";

const db = mysqlTestDatabase("cdc_apply_mysql_property");

db.describe("MySQL executor against the reference model", () => {
  let duck: DuckDbExecutor;
  let mysql: MySqlExecutor;
  const countMismatches: string[] = [];
  beforeAll(async () => {
    duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
    mysql = await MySqlExecutor.connect(db.url());
  });
  afterAll(async () => {
    duck?.close();
    await mysql?.close();
  });

  const target = (): PropertyTarget => ({
    reset: async (meta: TableMetadata) => {
      for (const e of [duck, mysql] as const) {
        const plan = e.plan(meta);
        await e.ensureTables(plan);
      }
      const [dp, mp] = [duck.plan(meta), mysql.plan(meta)];
      for (const t of dp.mode === "upsert" ? (["target", "tombstones"] as const) : (["target"] as const)) {
        await duck.connection.run(`DELETE FROM ${dp.name(t)}`);
        await mysql.connection.query(`DELETE FROM ${mp.name(t)}`);
      }
    },
    apply: async (meta, files) => {
      const result = await applyBatchLocally(
        { duck, mysql },
        meta,
        files.map((uri) => ({ uri })),
      );
      const [d, m] = [JSON.stringify(result.duck), JSON.stringify(result.mysql)];
      if (d !== m) countMismatches.push(`${meta.schema}.${meta.table} ${files.join(",")}: DuckDB ${d}, MySQL ${m}`);
    },
    rows: (meta) => mysql.rows(meta),
  });

  it(`holds exactly the rows of one in-order pass: ${SEEDS} seeds, 100 per shared run`, async () => {
    expect(await checkSeeds(duck.connection, target())).toBeUndefined();
    expect(countMismatches.slice(0, 3)).toEqual([]);
  }, 300_000);

  it("the same for 20 seeds run one by one", async () => {
    expect(
      await checkSeeds(duck.connection, target(), { start: SEED_START, count: Math.min(SEEDS, 20), group: 1 }),
    ).toBeUndefined();
    expect(countMismatches.slice(0, 3)).toEqual([]);
  }, 300_000);
});
