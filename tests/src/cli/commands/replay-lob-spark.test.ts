/**
 * The LOB scenario of replay-lob.test.ts on the Glue apply job's own code (local Spark 3.5 + Iceberg): the text, jsonb,
 * bytea and text[] values of a real PostgreSQL table reach the Iceberg table equal to the source's up to the limit,
 * and the longer ones are flagged, as on DuckDB.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cdc } from "../../../support/cli";
import { postgresTestDatabase } from "../../../support/databases";
import { sparkDescribe } from "../../../support/spark";
import { buildLobSource, expected, publishedRows, type LobSource } from "./lob-source";

const pg = postgresTestDatabase("cdc_lob_source_spark");

sparkDescribe("LOB columns of a real PostgreSQL table replayed on Spark", () => {
  pg.describe("with --engine spark", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-lob-spark-"));
    let lob: LobSource;
    beforeAll(async () => (lob = await buildLobSource(pg.url(), root)));
    afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

    it("publishes every value equal to the source's up to the limit and flags the cut ones", async () => {
      const out = path.join(root, "out");
      const r = await cdc("replay", lob.dms, "--metadata", lob.metadata, "--out", out, "--engine", "spark", "--lob-max-kb", "1");
      if (r.code !== 0) throw new Error(`replay --engine spark failed: ${r.stderr}`);
      expect(r.stdout).toContain("public.notes: 3 rows (");
      expect(r.stdout).toContain(
        "LOB_POSSIBLY_TRUNCATED: public.notes.body (NCLOB): 1 value reaches the LOB limit of 1024 bytes",
      );
      expect(await publishedRows(out)).toEqual(expected(lob.source));
    });
  });
});
