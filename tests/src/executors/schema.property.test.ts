/**
 * Property: a schema change in the middle of a stream (tests/src/executors/schema-property.ts), on DuckDB (both merge
 * shapes) and on MariaDB through the local path (DuckDB reads the files, MySQL staging and merge), against the
 * reference model and the closed form. The change is applied through the executors' `evolve`, then once more (a
 * retried run runs it again). Each engine runs seeds in shared groups, then some one by one: only then is a batch
 * made of old-shape files alone, which no other seed's new-shape file fills in. A failure names the seed: rerun it
 * alone with CDC_PROPERTY_SEED_START=<seed> CDC_SCHEMA_SEEDS=1 CDC_SCHEMA_GROUP=1.
 * The Spark + Iceberg suite is schema.spark.property.test.ts.
 */
import type { TableMetadata } from "../../../metadata/format";
import { DuckDbExecutor } from "../../../src/executors/duckdb";
import { applyBatchLocally } from "../../../src/executors/local-apply";
import { MySqlExecutor } from "../../../src/executors/mysql";
import { mysqlTestDatabase } from "../../support/databases";
import { checkSchemaSeeds, schemaSeeds, type SchemaPropertyTarget } from "./schema-property";

const SEEDS = schemaSeeds(120);
const ONE_BY_ONE = Math.min(SEEDS, 30);

/** Drops a table's physical tables and creates them again from its plan. */
async function recreate(
  run: (sql: string) => Promise<unknown>,
  plan: { create(): string[]; name(kind: "target" | "tombstones" | "staging"): string },
  kinds: ReadonlyArray<"target" | "tombstones" | "staging">,
): Promise<void> {
  for (const kind of kinds) await run(`DROP TABLE IF EXISTS ${plan.name(kind)}`);
  for (const sql of plan.create()) await run(sql);
}

/**
 * The engine's two runs: seeds in shared groups, then some one by one. Each must also have proved something: most seeds
 * had a middle, most of those with old-shape files in flight, and the tables did change shape.
 */
function itHoldsTheProperty(duck: () => DuckDbExecutor, target: () => SchemaPropertyTarget): void {
  const runs = [
    { title: `old- and new-shape files, in flight and replayed, leave the model's rows: ${SEEDS} seeds`, count: SEEDS },
    { title: `the same for ${ONE_BY_ONE} seeds run one by one`, count: ONE_BY_ONE, group: 1 },
  ];
  for (const { title, count, group } of runs) {
    it(
      title,
      async () => {
        const report = await checkSchemaSeeds(duck().connection, target(), { count, ...(group ? { group } : {}) });
        expect(report.failure).toBeUndefined();
        expect(report.checked).toBeGreaterThanOrEqual(Math.floor(count * 0.85));
        expect(report.inFlight).toBeGreaterThanOrEqual(Math.floor(report.checked * 0.7));
        expect(report.changes).toBeGreaterThan(0);
      },
      300_000,
    );
  }
}

describe.each(["delete-insert", "merge-into"] as const)("a schema change mid-stream on DuckDB (%s)", (merge) => {
  let duck: DuckDbExecutor;
  beforeAll(async () => {
    duck = await DuckDbExecutor.open(":memory:", { threads: 1, merge });
  });
  afterAll(() => duck?.close());

  const target = (): SchemaPropertyTarget => ({
    reset: (meta: TableMetadata) => recreate((sql) => duck.connection.run(sql), duck.plan(meta), ["target", "tombstones"]),
    apply: async (batches) => {
      for (const { meta, files, applied } of batches) {
        if (applied) {
          await duck.evolve(meta, applied);
          // Again, as a retried run does: ADD COLUMN IF NOT EXISTS, and a type change to the type a column has.
          await duck.evolve(meta, applied);
        }
        await duck.apply(meta, files);
      }
    },
    rows: (meta) => duck.rows(meta),
  });

  itHoldsTheProperty(() => duck, target);
});

const db = mysqlTestDatabase("cdc_schema_property");
db.describe("a schema change mid-stream on MariaDB (local path)", () => {
  let duck: DuckDbExecutor;
  let mysql: MySqlExecutor;
  beforeAll(async () => {
    duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
    mysql = await MySqlExecutor.connect(db.url());
  });
  afterAll(async () => {
    duck?.close();
    await mysql?.close();
  });

  const target = (): SchemaPropertyTarget => ({
    reset: async (meta: TableMetadata) => {
      await recreate((sql) => duck.connection.run(sql), duck.plan(meta), ["target", "tombstones"]);
      await recreate((sql) => mysql.connection.query(sql), mysql.plan(meta), ["target", "tombstones", "staging"]);
    },
    apply: async (batches) => {
      for (const { meta, files, applied } of batches) {
        await applyBatchLocally({ duck, mysql }, meta, files, applied ? { applied } : {});
        if (applied) {
          // Again, as a retried run does: MySQL's ADD is skipped by its probe (run, it would fail: the column is
          // there), the MODIFYs run again harmlessly.
          await mysql.evolve(meta, applied);
          await duck.evolve(meta, applied);
        }
      }
    },
    rows: (meta) => mysql.rows(meta),
  });

  itHoldsTheProperty(() => duck, target);
});
