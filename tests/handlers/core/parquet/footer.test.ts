import { FOOTER_PROBE_BYTES, readFooter } from "../../../../handlers/core/parquet/footer";
import { countingReader, memoryReader } from "../../../../handlers/core/parquet/range-reader";
import { ordersFile } from "../validation/bad-files";
import { rewriteFooter } from "../validation/parquet-surgery";

describe("readFooter", () => {
  it("reads a small file's footer with one request of at most 64 KiB", async () => {
    const bytes = ordersFile();
    const { reader, stats } = countingReader(memoryReader(bytes));
    const r = await readFooter(reader);
    expect(r.ok && Number(r.metadata.num_rows)).toBe(3);
    expect(stats).toEqual({ requests: 1, bytes: bytes.length });
  });

  it("reads only the last 64 KiB of a big file whose footer fits", async () => {
    const big = new Uint8Array(1024 * 1024 + 17);
    const footer = ordersFile();
    // A big file: padding in front of a real file is still a valid tail (the footer's offsets are never followed here).
    big.set(footer, big.length - footer.length);
    const { reader, stats } = countingReader(memoryReader(big));
    const r = await readFooter(reader);
    expect(r.ok).toBe(true);
    expect(stats).toEqual({ requests: 1, bytes: FOOTER_PROBE_BYTES });
  });

  it("fetches the rest of a footer bigger than 64 KiB with exactly one more request", async () => {
    const bytes = ordersFile({ kvMetadata: [{ key: "padding", value: "x".repeat(300 * 1024) }] });
    const { reader, stats } = countingReader(memoryReader(bytes));
    const r = await readFooter(reader);
    expect(r.ok && r.footerBytes).toBeGreaterThan(300 * 1024);
    expect(stats.requests).toBe(2);
    expect(stats.bytes).toBe(r.ok ? r.footerBytes + 8 : -1);
  });

  it("classifies empty, foreign and cut-off files", async () => {
    const good = ordersFile();
    const read = async (b: Uint8Array) => {
      const r = await readFooter(memoryReader(b));
      return r.ok ? "ok" : r.code;
    };
    expect(await read(new Uint8Array(0))).toBe("EMPTY_FILE");
    expect(await read(new TextEncoder().encode("id,name\n1,a\n"))).toBe("NOT_PARQUET");
    expect(await read(good.slice(0, good.length - 1))).toBe("TRUNCATED");
  });

  it("calls a footer that decodes but contradicts itself CORRUPT_FILE, saying how", async () => {
    const bytes = rewriteFooter(ordersFile(), (md) => (md.row_groups[0].num_rows = 2n));
    expect(await readFooter(memoryReader(bytes))).toEqual({
      ok: false,
      code: "CORRUPT_FILE",
      message: "the footer contradicts itself: row group 0, column Op: 3 values in a row group of 2 rows",
    });
  });

  it("hands back the bytes it read, so chunks inside them need no request", async () => {
    const bytes = ordersFile();
    const r = await readFooter(memoryReader(bytes));
    expect(r.ok && r.tail.start).toBe(0);
    expect(r.ok && r.tail.bytes).toEqual(bytes);
  });

  it("says a file of just the two magics is too short, not that it lacks the end magic", async () => {
    expect(await readFooter(memoryReader(new TextEncoder().encode("PAR1PAR1")))).toEqual({
      ok: false,
      code: "TRUNCATED",
      message: "only 8 bytes, too short for a Parquet footer (at least 12): the upload was cut short",
    });
  });
});
