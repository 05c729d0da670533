import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readMetadataDir } from "../../../metadata/load";
import { splitRounds, Traffic } from "../../../src/local/traffic";
import type { GeneratedFile } from "../../../src/local/dms-generator";

const { tables } = readMetadataDir(path.resolve(__dirname, "../../../metadata/sources/sales"));

describe("local traffic", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-traffic-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("hands out the full load, then one CDC file per table per round; --watch gets only new files, old ones unchanged", () => {
    const traffic = new Traffic({ tables, dir, rows: 10, changesPerRound: 5, rounds: 3, seed: 2, duplicates: 0.3 });
    const first = traffic.next();
    expect(first[0].every((f) => f.kind === "load")).toBe(true);
    expect(first[0].map((f) => `${f.schema}.${f.table}`)).toEqual(
      tables.flatMap((t) => [`${t.schema}.${t.table}`, `${t.schema}.${t.table}`]),
    );
    expect(first[1].filter((f) => !f.duplicateOf)).toHaveLength(tables.length);
    const bytes = new Map(first.flat().map((f) => [f.key, fs.readFileSync(f.path).toString("base64")]));

    const more = traffic.next();
    const keys = more.flat().map((f) => f.key);
    expect(keys.length).toBeGreaterThanOrEqual(3 * tables.length);
    expect(keys.filter((k) => bytes.has(k))).toEqual([]);
    // Regenerating with more changes rewrote the delivered files byte for byte.
    for (const [key, b64] of bytes) expect(fs.readFileSync(path.join(dir, key)).toString("base64")).toBe(b64);
  });

  it("puts a re-delivered file one round after its original", () => {
    const f = (key: string, kind: "load" | "cdc", duplicateOf?: string): GeneratedFile => ({
      path: key,
      key,
      schema: "dbo",
      table: key.split("/")[1],
      kind,
      rows: 1,
      minSeq: null,
      maxSeq: null,
      ...(duplicateOf ? { duplicateOf } : {}),
    });
    const rounds = splitRounds([
      f("dbo/A/LOAD00000001.parquet", "load"),
      f("dbo/A/20240101-000000001.parquet", "cdc"),
      f("dbo/A/20240101-000000002.parquet", "cdc", "dbo/A/20240101-000000001.parquet"),
      f("dbo/A/20240101-000000003.parquet", "cdc"),
      f("dbo/B/20240101-000000004.parquet", "cdc"),
    ]);
    expect(rounds.map((r) => r.map((x) => x.key))).toEqual([
      ["dbo/A/LOAD00000001.parquet"],
      ["dbo/A/20240101-000000001.parquet", "dbo/B/20240101-000000004.parquet"],
      ["dbo/A/20240101-000000002.parquet", "dbo/A/20240101-000000003.parquet"],
    ]);
  });
});
