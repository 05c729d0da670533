import { validateObject } from "../../../../handlers/core/validation";
import { lobSize } from "../../../../handlers/core/validation/lob-limit";
import { countingReader, memoryReader } from "../../../../handlers/core/parquet/range-reader";
import { DOCS_KEY as KEY, docs, docsFile } from "./lob-files";

const LIMIT = 1024;
const validate = (bytes: Uint8Array, lobLimitBytes?: number) =>
  validateObject({ key: KEY, tables: [docs], reader: memoryReader(bytes), lobLimitBytes });

describe("LOB values that may have been cut by limited LOB mode", () => {
  it("flags each LOB column whose values reach the limit, as a warning on a file that stays valid", async () => {
    const file = docsFile([
      { body: "x".repeat(LIMIT), blob: new Uint8Array(10) },
      { body: "short", blob: new Uint8Array(LIMIT + 5) },
      { body: "y".repeat(LIMIT), blob: null },
      { body: null, blob: new Uint8Array(LIMIT - 1) },
    ]);
    const r = await validate(file, LIMIT);
    expect(r).toMatchObject({ valid: true, errors: [] });
    expect(r.warnings).toEqual([
      {
        code: "LOB_POSSIBLY_TRUNCATED",
        column: "body",
        count: 2,
        message:
          "dbo.docs.body (NCLOB): 2 values reach the LOB limit of 1024 bytes (largest 2048): DMS limited LOB mode may have cut them; raise dms.lob.maxSizeKb or use full LOB mode, then reload the table",
      },
      {
        code: "LOB_POSSIBLY_TRUNCATED",
        column: "blob",
        count: 1,
        message:
          "dbo.docs.blob (BLOB): 1 value reaches the LOB limit of 1024 bytes (largest 1029): DMS limited LOB mode may have cut it; raise dms.lob.maxSizeKb or use full LOB mode, then reload the table",
      },
    ]);
  });

  it("checks a LOB column by its DMS type even when a hand-edited metadata file lacks the lob mark", async () => {
    const unmarked = { ...docs, columns: docs.columns.map(({ lob: _, ...c }) => c) };
    const file = docsFile([{ body: "x".repeat(LIMIT), blob: null }]);
    const r = await validateObject({ key: KEY, tables: [unmarked], reader: memoryReader(file), lobLimitBytes: LIMIT });
    expect(r.warnings?.map((w) => [w.column, w.count])).toEqual([["body", 1]]);
  });

  it("never flags a value below the limit, nor a long value of a column that is not a LOB", async () => {
    const r = await validate(
      docsFile([{ title: "z".repeat(5000), body: "a".repeat(LIMIT / 2 - 1), blob: new Uint8Array(LIMIT - 1) }]),
      LIMIT,
    );
    expect(r).toMatchObject({ valid: true });
    expect(r.warnings).toBeUndefined();
  });

  it("counts every row of a dictionary-encoded value that reaches the limit", async () => {
    const big = "q".repeat(LIMIT);
    const r = await validate(docsFile(Array.from({ length: 40 }, (_, i) => ({ body: i % 2 ? big : "s", blob: null }))), LIMIT);
    expect(r).toMatchObject({ valid: true, errors: [] });
    expect(r.warnings?.map((w) => [w.column, w.count])).toEqual([["body", 20]]);
  });

  it("measures an NCLOB in double-byte units too, as DMS holds it, so a value cut at half the UTF-8 size is flagged", () => {
    expect(lobSize("ab", "NCLOB")).toBe(4);
    expect(lobSize("ab", "CLOB")).toBe(2);
    expect(lobSize("é€", "CLOB")).toBe(5);
    expect(lobSize("é€", "NCLOB")).toBe(5);
    expect(lobSize(new Uint8Array(7), "BLOB")).toBe(7);
  });

  it("reads no LOB chunk when their sizes say no value can reach the limit, and none without a limit (full LOB mode)", async () => {
    const small = docsFile([{ body: "a".repeat(200), blob: new Uint8Array(200) }]);
    const bytesRead = async (bytes: Uint8Array, limit?: number) => {
      const { reader, stats } = countingReader(memoryReader(bytes));
      const r = await validateObject({ key: KEY, tables: [docs], reader, lobLimitBytes: limit });
      expect(r.valid).toBe(true);
      return stats;
    };
    expect(await bytesRead(small, 100 * 1024)).toEqual(await bytesRead(small));
    // Incompressible, so the LOB chunks lie beyond the footer read and reading them shows as bytes.
    let x = 12345;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16;
    const letters = Array.from({ length: 80 * 1024 }, () => String.fromCharCode(97 + (next() % 26))).join("");
    const large = docsFile([{ body: letters, blob: Uint8Array.from({ length: 80 * 1024 }, () => next() & 255) }]);
    expect((await bytesRead(large, 200 * 1024)).bytes).toBe((await bytesRead(large)).bytes);
    expect((await bytesRead(large, 64 * 1024)).bytes).toBeGreaterThan((await bytesRead(large)).bytes);
    expect((await validate(large)).warnings).toBeUndefined();
  });
});
