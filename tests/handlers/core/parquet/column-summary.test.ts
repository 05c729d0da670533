import type { FileMetaData } from "hyparquet";
import { summariesFromValues } from "../../../../handlers/core/parquet/column-summary";
import { CorruptFileError } from "../../../../handlers/core/parquet/corrupt";
import { hyparquet } from "../../../../handlers/core/parquet/esm";
import { countingReader, memoryReader, type RangeReader } from "../../../../handlers/core/parquet/range-reader";
import { writeParquet } from "../../../../src/local/dms-generator";
import { ordersFile } from "../validation/bad-files";

const metadataOf = (bytes: Uint8Array): FileMetaData => hyparquet.parquetMetadata(bytes.slice().buffer);

describe("summariesFromValues", () => {
  const bytes = ordersFile({ statistics: false });

  it("counts nulls, min/max and every value the accept test refuses", async () => {
    const file = ordersFile({
      statistics: false,
      replace: { Op: { name: "Op", type: { physical: "BYTE_ARRAY", logical: { type: "STRING" } }, values: ["D", "E", "U"] } },
    });
    const s = await summariesFromValues(memoryReader(file), metadataOf(file), [
      { name: "Op", range: true, accept: (v) => ["D", "I", "U"].includes(v) },
      { name: "amount", range: false },
    ]);
    expect(s.get("Op")).toEqual({ nullCount: 0, min: "D", max: "U", rejected: { count: 1, examples: ["E"] } });
    expect(s.get("amount")).toEqual({ nullCount: 1 });
  });

  it("counts nulls outside delete rows row by row, across row groups", async () => {
    const STRING = { physical: "BYTE_ARRAY", logical: { type: "STRING" } } as const;
    const ops = ["I", "D", "I", "I", "I", "D", "U"];
    const names = [null, null, "c", null, "e", null, null];
    const file = writeParquet(
      [
        { name: "Op", type: STRING, values: ops },
        { name: "name", type: STRING, values: names },
      ],
      { statistics: false, rowGroupSize: 3 },
    );
    const metadata = metadataOf(file);
    expect(metadata.row_groups).toHaveLength(3);
    const s = await summariesFromValues(memoryReader(file), metadata, [
      { name: "name", range: false, nullsOutsideDeletes: { opColumn: "Op" } },
    ]);
    // Nulls at rows 0, 1, 3, 5 and 6; rows 1 and 5 (first and second group) are deletes.
    expect(s.get("name")).toEqual({ nullCount: 5, nullsOutsideDeletes: 3 });
  });

  it("lets a failed read (throttling, network) through as itself, never as an undecodable file", async () => {
    const throttled = new Error("SlowDown: Please reduce your request rate.");
    const reader: RangeReader = { byteLength: bytes.length, read: () => Promise.reject(throttled) };
    const err = await summariesFromValues(reader, metadataOf(bytes), [{ name: "id", range: false }]).catch((e: unknown) => e);
    expect(err).toBe(throttled);
  });

  it("calls a footer that points outside the file undecodable, without requesting those bytes", async () => {
    const metadata = metadataOf(bytes);
    const chunk = metadata.row_groups[0].columns.find((c) => c.meta_data?.path_in_schema[0] === "id")!.meta_data!;
    chunk.dictionary_page_offset = undefined;
    chunk.data_page_offset = BigInt(bytes.length + 100);
    const { reader, stats } = countingReader(memoryReader(bytes));
    const err = await summariesFromValues(reader, metadata, [{ name: "id", range: false }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as Error).message).toMatch(/^column id: its chunk at bytes \d+-\d+ lies outside the \d+-byte file$/);
    expect(stats.requests).toBe(0);
  });

  it("reads a chunk whose writer put 0 in dictionary_page_offset (no dictionary) from its data page", async () => {
    const metadata = metadataOf(bytes);
    const chunk = metadata.row_groups[0].columns.find((c) => c.meta_data?.path_in_schema[0] === "id")!.meta_data!;
    expect(chunk.dictionary_page_offset).toBeUndefined();
    chunk.dictionary_page_offset = 0n;
    const s = await summariesFromValues(memoryReader(bytes), metadata, [{ name: "id", range: true }]);
    expect(s.get("id")).toEqual({ nullCount: 0, min: "1", max: "3" });
  });
});
