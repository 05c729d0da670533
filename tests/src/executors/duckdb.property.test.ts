/**
 * Property: whatever the delivery (duplicated files, files reordered across batches, replayed batches), the DuckDB
 * publication (the Parquet file per table) equals the reference model fed the in-order history, row for row, for every
 * seed. A failure names the seed; rerun it alone with CDC_PROPERTY_SEED_START=<seed> CDC_PROPERTY_SEEDS=1.
 * Both merge shapes run: DuckDB's own delete-and-insert, and the MERGE INTO statements the Glue job runs on Iceberg.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TableMetadata } from "../../../metadata/format";
import { DuckDbExecutor } from "../../../src/executors/duckdb";
import { checkSeeds, SEED_START, SEEDS, type PropertyTarget } from "./property-run";

describe.each(["delete-insert", "merge-into"] as const)("DuckDB executor (%s) against the reference model", (merge) => {
  let duck: DuckDbExecutor;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-apply-pub-"));
  beforeAll(async () => {
    duck = await DuckDbExecutor.open(":memory:", { threads: 1, merge });
  });
  afterAll(() => {
    duck.close();
    fs.rmSync(out, { recursive: true, force: true });
  });

  const target = (): PropertyTarget => ({
    reset: async (meta: TableMetadata) => {
      const plan = duck.plan(meta);
      await duck.ensureTables(plan);
      await duck.connection.run(`DELETE FROM ${plan.name("target")}`);
      if (plan.mode === "upsert") await duck.connection.run(`DELETE FROM ${plan.name("tombstones")}`);
    },
    apply: async (meta, files) => {
      await duck.apply(
        meta,
        files.map((uri) => ({ uri })),
      );
    },
    // The publication itself: export the Parquet file, read it back.
    rows: async (meta) => {
      const file = path.join(out, "publication.parquet");
      await duck.exportParquet(meta, file);
      return (await duck.connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson();
    },
  });

  it(`publishes exactly the rows of one in-order pass: ${SEEDS} seeds, 100 per shared run`, async () => {
    expect(await checkSeeds(duck.connection, target())).toBeUndefined();
  }, 300_000);

  it("the same for 30 seeds run one by one (every batch holds one seed's files only)", async () => {
    expect(
      await checkSeeds(duck.connection, target(), { start: SEED_START, count: Math.min(SEEDS, 30), group: 1 }),
    ).toBeUndefined();
  }, 300_000);
});
