import * as fs from "node:fs";
import { hyparquet } from "../../../../handlers/core/parquet/esm";
import { cdcTimestampToIso, latestCommitAt } from "../../../../handlers/core/validation/commit-time";
import { validateObject } from "../../../../handlers/core/validation";
import { memoryReader } from "../../../../handlers/core/parquet/range-reader";
import { generateDmsOutput } from "../../../../src/local/dms-generator";
import { ordersTable, tempDir } from "../../../support/parquet-fixtures";

const tables = [ordersTable()];

function generated(statistics: boolean) {
  const { dir, cleanup } = tempDir("commit-time-");
  const files = generateDmsOutput({
    tables,
    outDir: dir,
    rows: 30,
    changes: 40,
    seed: 7,
    changesPerCdcFile: 15,
    statistics,
    start: new Date("2026-03-01T10:00:00Z"),
  });
  return { files, cleanup };
}

/** The file's largest cdc_timestamp read from its values: what the footer's statistics must agree with. */
async function maxFromValues(path: string): Promise<string> {
  const bytes = fs.readFileSync(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  const rows = (await hyparquet.parquetReadObjects({ file, columns: ["cdc_timestamp"] })) as Array<{ cdc_timestamp: string }>;
  return rows.map((r) => r.cdc_timestamp).reduce((a, b) => (a >= b ? a : b));
}

describe("latestCommitAt", () => {
  it("is each file's largest cdc_timestamp, from the footer alone, as an ISO instant in UTC", async () => {
    const { files, cleanup } = generated(true);
    try {
      const cdc = files.filter((f) => f.kind === "cdc");
      expect(cdc.length).toBeGreaterThan(1);
      const seen = new Set<string>();
      for (const f of files) {
        const bytes = fs.readFileSync(f.path);
        const metadata = hyparquet.parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
        const expected = cdcTimestampToIso(await maxFromValues(f.path));
        expect(expected).toBeDefined();
        expect(latestCommitAt(metadata)).toBe(expected);
        seen.add(expected as string);
      }
      // Each CDC file has its own latest change: the values differ from file to file.
      expect(seen.size).toBe(files.length);
    } finally {
      cleanup();
    }
  });

  it("is unknown when the footer has no statistics for it: the delay is then not measured, never guessed", () => {
    const { files, cleanup } = generated(false);
    try {
      const bytes = fs.readFileSync(files[files.length - 1].path);
      expect(
        latestCommitAt(hyparquet.parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))),
      ).toBe(undefined);
    } finally {
      cleanup();
    }
  });

  it("reaches the validation result of a valid file, and not that of an invalid one", async () => {
    const { files, cleanup } = generated(true);
    try {
      const f = files.find((x) => x.kind === "cdc")!;
      const bytes = new Uint8Array(fs.readFileSync(f.path));
      const key = `dbo/orders/${f.key.split("/").pop()}`;
      const valid = await validateObject({ key, tables, reader: memoryReader(bytes) });
      expect(valid.valid).toBe(true);
      expect(valid.latestCommitAt).toBe(cdcTimestampToIso(await maxFromValues(f.path)));
      const wrongTable = await validateObject({
        key: `dbo/nosuch/${f.key.split("/").pop()}`,
        tables,
        reader: memoryReader(bytes),
      });
      expect(wrongTable.valid).toBe(false);
      expect(wrongTable.latestCommitAt).toBeUndefined();
    } finally {
      cleanup();
    }
  });
});

describe("cdcTimestampToIso", () => {
  it("reads DMS's form in UTC to the millisecond, and refuses anything else", () => {
    expect(cdcTimestampToIso("2026-03-01 12:34:56.789123")).toBe("2026-03-01T12:34:56.789Z");
    expect(cdcTimestampToIso("2026-03-01 12:34:56")).toBe("2026-03-01T12:34:56.000Z");
    expect(cdcTimestampToIso("2026-03-01 12:34:56.5")).toBe("2026-03-01T12:34:56.500Z");
    expect(cdcTimestampToIso("yesterday")).toBeUndefined();
    expect(cdcTimestampToIso("2026-13-45 99:99:99")).toBeUndefined();
  });
});
