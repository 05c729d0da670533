import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { regenerateCrm, regenerateSales } from "../../../metadata/examples/regenerate";
import { readMetadataDir } from "../../../metadata/load";
import { matchesTableGlob } from "../../../metadata/table-glob";
import { loadStackFile } from "../../../src/config-sources";
import { postgresTestDatabase } from "../../support/databases";
import { readTree } from "../extractors/tree";

const ROOT = path.join(__dirname, "../../..");
const committed = (source: string) => path.join(ROOT, "metadata", "sources", source);

let out: string;
beforeEach(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-meta-examples-"));
});
afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

describe("example metadata", () => {
  it("metadata/sources/sales is exactly what the SQL Server extractor makes of the recorded catalog", () => {
    regenerateSales(out);
    expect(readTree(out)).toEqual(readTree(committed("sales")));
  });

  it("covers every target glob of the example stacks with tables, keyed and keyless", () => {
    for (const stack of ["dev", "preprod", "prod"]) {
      const config = loadStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`));
      for (const source of config.sources) {
        const { source: meta, tables } = readMetadataDir(committed(source.name));
        expect([meta.engine, meta.database]).toEqual([source.engine, source.endpoint.database]);
        for (const glob of source.targets.flatMap((t) => t.tables)) {
          expect([glob, meta.tables.some((id) => matchesTableGlob(glob, id))]).toEqual([glob, true]);
        }
        expect(tables.some((t) => t.primaryKey.length === 0)).toBe(true);
        expect(tables.some((t) => t.excluded.length > 0)).toBe(true);
      }
    }
  });
});

const db = postgresTestDatabase("cdc_meta_examples");
db.describe("example metadata from PostgreSQL", () => {
  it("metadata/sources/crm is exactly what the PostgreSQL extractor reads from crm-schema.sql", async () => {
    await regenerateCrm(out, db.url());
    expect(readTree(out)).toEqual(readTree(committed("crm")));
  });
});
