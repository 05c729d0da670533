/**
 * A catalogue of real files that must each fail validation with one specific code, shared by the rules tests and
 * the validate Lambda's integration test (which quarantines every one of them). Built against `ordersTable()`:
 * `id INT4` primary key, `name STRING NOT NULL`, `amount NUMERIC(10,2)`.
 */
import type { ViolationCode } from "../../../../handlers/core/validation";
import { targetTypes } from "../../../../metadata/dms-types";
import type { ParquetType } from "../../../../metadata/format";
import { writeParquet, type ParquetColumn, type ParquetValue } from "../../../../src/local/dms-generator";
import { chunkOf, patch, rewriteFooter } from "./parquet-surgery";

export interface BadFile {
  name: string;
  key: string;
  bytes: Uint8Array;
  code: ViolationCode;
}

const STRING: ParquetType = { physical: "BYTE_ARRAY", logical: { type: "STRING" } };
const INT4 = targetTypes({ dmsType: "INT4" }).parquet;
const AMOUNT = targetTypes({ dmsType: "NUMERIC", precision: 10, scale: 2 }).parquet;
export const LOAD_KEY = "dbo/orders/LOAD00000001.parquet";
export const CDC_KEY = "dbo/orders/20240102-030405678.parquet";

type Overrides = Partial<Record<"Op" | "cdc_timestamp" | "cdc_seq" | "id" | "name" | "amount", ParquetColumn | null>>;

/** A valid orders file (3 rows) with some columns replaced or removed, plus extra columns. */
export function ordersFile(
  opts: {
    kind?: "load" | "cdc";
    replace?: Overrides;
    extra?: ParquetColumn[];
    statistics?: boolean;
    kvMetadata?: Array<{ key: string; value: string }>;
  } = {},
): Uint8Array {
  const cdc = (opts.kind ?? "cdc") === "cdc";
  const seqs = cdc
    ? ["20240102030405000000000000000000001", "20240102030405000000000000000000002", "20240102030405000000000000000000003"]
    : [null, null, null];
  const base: Record<string, ParquetColumn> = {
    Op: { name: "Op", type: STRING, values: cdc ? ["I", "U", "D"] : ["I", "I", "I"] },
    cdc_timestamp: { name: "cdc_timestamp", type: STRING, values: Array(3).fill("2024-01-02 03:04:05.000000") },
    cdc_seq: { name: "cdc_seq", type: STRING, values: seqs },
    id: { name: "id", type: INT4, values: [1, 2, 3] },
    name: { name: "name", type: STRING, values: ["a", "b", "c"] },
    amount: { name: "amount", type: AMOUNT, values: [100n, null, -25n] },
  };
  const columns: ParquetColumn[] = [];
  for (const [k, c] of Object.entries(base)) {
    const r = opts.replace?.[k as keyof Overrides];
    if (r === null) continue;
    columns.push(r ?? c);
  }
  return writeParquet([...columns, ...(opts.extra ?? [])], { statistics: opts.statistics, kvMetadata: opts.kvMetadata });
}

/** A 35-digit change sequence starting with `lead`. */
const SEQ35 = (lead: string) => lead.padEnd(35, "0");
const col = (name: string, type: ParquetType, values: ParquetValue[]): ParquetColumn => ({ name, type, values });
const text = (s: string) => new TextEncoder().encode(s);
const fill = (bytes: Uint8Array, start: number, end: number, byte: number) =>
  patch(bytes, start, new Uint8Array(end - start).fill(byte));

/**
 * A valid CDC orders file of `ops.length` rows: enough repeated Op values that the writer encodes Op (and the
 * timestamp) with a dictionary, as DMS's writer does.
 */
export function longOrdersFile(ops: string[], opts: { statistics?: boolean } = {}): Uint8Array {
  const n = ops.length;
  return writeParquet(
    [
      col("Op", STRING, ops),
      col("cdc_timestamp", STRING, Array(n).fill("2024-01-02 03:04:05.000000")),
      col(
        "cdc_seq",
        STRING,
        Array.from({ length: n }, (_, i) => SEQ35(`2024010203040500${String(i + 1).padStart(4, "0")}`)),
      ),
      col(
        "id",
        INT4,
        Array.from({ length: n }, (_, i) => i + 1),
      ),
      col(
        "name",
        STRING,
        Array.from({ length: n }, (_, i) => `n${i % 5}`),
      ),
      col(
        "amount",
        AMOUNT,
        Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : BigInt(i * 100))),
      ),
    ],
    opts,
  );
}
const LONG_OPS = Array.from({ length: 60 }, (_, i) => "IUD"[i % 3]);

/**
 * A valid orders file of about 200 KB whose Op, cdc_seq and key chunks lie before the last 64 KiB (the footer read):
 * three `name` values of letters from a linear congruential sequence, which snappy cannot shrink much.
 */
export function paddedOrdersFile(): Uint8Array {
  let x = 12345;
  const letter = () => String.fromCharCode(97 + (((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16) % 26));
  const name = () => Array.from({ length: 70_000 }, letter).join("");
  return ordersFile({ replace: { name: col("name", STRING, [name(), name(), name()]) } });
}

export function badFiles(): BadFile[] {
  const good = ordersFile();
  const footerLength = new DataView(good.buffer, good.byteOffset).getUint32(good.length - 8, true);
  const huge = [{ key: "padding", value: "x".repeat(200 * 1024) }];
  const list: BadFile[] = [
    { name: "zero bytes", key: CDC_KEY, bytes: new Uint8Array(0), code: "EMPTY_FILE" },
    { name: "CSV text", key: CDC_KEY, bytes: text("Op,id,name\nI,1,a\n"), code: "NOT_PARQUET" },
    { name: "JSON document", key: CDC_KEY, bytes: text('{"Op":"I","id":1}'), code: "NOT_PARQUET" },
    {
      name: "gzip bytes",
      key: CDC_KEY,
      bytes: Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]),
      code: "NOT_PARQUET",
    },
    {
      name: "wrong magic at both ends",
      key: CDC_KEY,
      bytes: patch(patch(good, 0, text("PARX")), -4, text("PARX")),
      code: "NOT_PARQUET",
    },
    { name: "wrong magic at the end only", key: CDC_KEY, bytes: patch(good, -4, text("PAR2")), code: "TRUNCATED" },
    { name: "first half only", key: CDC_KEY, bytes: good.slice(0, Math.floor(good.length / 2)), code: "TRUNCATED" },
    { name: "last 100 bytes cut", key: CDC_KEY, bytes: good.slice(0, good.length - 100), code: "TRUNCATED" },
    { name: "only the magic", key: CDC_KEY, bytes: text("PAR1"), code: "TRUNCATED" },
    {
      name: "footer length beyond the file",
      key: CDC_KEY,
      bytes: patch(good, -8, Uint8Array.from([0xff, 0xff, 0xff, 0x00])),
      code: "TRUNCATED",
    },
    {
      name: "corrupt footer bytes",
      key: CDC_KEY,
      bytes: patch(good, good.length - 8 - footerLength, new Uint8Array(footerLength).fill(0xee)),
      code: "CORRUPT_FILE",
    },
    { name: "key without folders", key: "orders.parquet", bytes: good, code: "BAD_KEY" },
    { name: "key with a .csv extension", key: "dbo/orders/LOAD00000001.csv", bytes: good, code: "BAD_KEY" },
    { name: "file name neither LOAD nor CDC", key: "dbo/orders/part-00000.parquet", bytes: good, code: "BAD_KEY" },
    { name: "file name with a +", key: "dbo/orders/LOAD+0000001.parquet", bytes: good, code: "BAD_KEY" },
    { name: "CDC name with an impossible month", key: "dbo/orders/20241302-030405678.parquet", bytes: good, code: "BAD_KEY" },
    { name: "unknown table", key: "dbo/customers/20240102-030405678.parquet", bytes: good, code: "UNKNOWN_TABLE" },
    { name: "unknown schema", key: "sales/orders/20240102-030405678.parquet", bytes: good, code: "UNKNOWN_TABLE" },
    { name: "table with a space", key: "dbo/ord ers/20240102-030405678.parquet", bytes: good, code: "UNKNOWN_TABLE" },
    { name: "table with unicode", key: "dbo/ordérs/20240102-030405678.parquet", bytes: good, code: "UNKNOWN_TABLE" },
    { name: "removed column", key: CDC_KEY, bytes: ordersFile({ replace: { amount: null } }), code: "MISSING_COLUMN" },
    { name: "no cdc_timestamp", key: CDC_KEY, bytes: ordersFile({ replace: { cdc_timestamp: null } }), code: "MISSING_COLUMN" },
    {
      name: "added column",
      key: CDC_KEY,
      bytes: ordersFile({ extra: [col("discount", INT4, [1, 2, 3])] }),
      code: "UNEXPECTED_COLUMN",
    },
    {
      name: "column twice, differing in case",
      key: CDC_KEY,
      bytes: ordersFile({ extra: [col("ID", INT4, [1, 2, 3])] }),
      code: "UNEXPECTED_COLUMN",
    },
    {
      name: "unexpected nested column",
      key: CDC_KEY,
      bytes: ordersFile({ extra: [nested("address")] }),
      code: "UNEXPECTED_COLUMN",
    },
    {
      name: "nested where a scalar is expected",
      key: CDC_KEY,
      bytes: ordersFile({ replace: { amount: nested("amount") } }),
      code: "TYPE_MISMATCH",
    },
    {
      name: "key retyped to INT64",
      key: CDC_KEY,
      bytes: ordersFile({ replace: { id: col("id", targetTypes({ dmsType: "INT8" }).parquet, [1n, 2n, 3n]) } }),
      code: "TYPE_MISMATCH",
    },
    {
      name: "decimal with another scale",
      key: CDC_KEY,
      bytes: ordersFile({
        replace: { amount: col("amount", targetTypes({ dmsType: "NUMERIC", precision: 10, scale: 3 }).parquet, [1n, 2n, 3n]) },
      }),
      code: "TYPE_MISMATCH",
    },
    {
      name: "string written as plain bytes",
      key: CDC_KEY,
      bytes: ordersFile({ replace: { name: col("name", { physical: "BYTE_ARRAY" }, [text("a"), text("b"), text("c")]) } }),
      code: "TYPE_MISMATCH",
    },
    {
      name: "Op as an integer",
      key: CDC_KEY,
      bytes: ordersFile({ replace: { Op: col("Op", INT4, [1, 2, 3]) } }),
      code: "TYPE_MISMATCH",
    },
    { name: "no Op column", key: CDC_KEY, bytes: ordersFile({ replace: { Op: null } }), code: "MISSING_OP" },
    {
      name: "Op outside I/U/D",
      key: CDC_KEY,
      bytes: ordersFile({ replace: { Op: col("Op", STRING, ["I", "X", "U"]) } }),
      code: "BAD_OP",
    },
    {
      name: "null Op",
      key: CDC_KEY,
      bytes: ordersFile({ replace: { Op: col("Op", STRING, ["I", null, "U"]) } }),
      code: "BAD_OP",
    },
    {
      name: "delete in a full-load file",
      key: LOAD_KEY,
      bytes: ordersFile({ kind: "load", replace: { Op: col("Op", STRING, ["I", "D", "I"]) } }),
      code: "BAD_OP",
    },
    {
      name: "bad Op without statistics",
      key: CDC_KEY,
      bytes: ordersFile({ statistics: false, replace: { Op: col("Op", STRING, ["I", "E", "U"]) } }),
      code: "BAD_OP",
    },
    {
      // min D and max U are both allowed: only a look at every value finds the E between them.
      name: "bad Op between allowed ones, without statistics",
      key: CDC_KEY,
      bytes: ordersFile({ statistics: false, replace: { Op: col("Op", STRING, ["D", "E", "U"]) } }),
      code: "BAD_OP",
    },
    { name: "CDC file without cdc_seq", key: CDC_KEY, bytes: ordersFile({ replace: { cdc_seq: null } }), code: "MISSING_SEQ" },
    ...valueCases(),
    ...damagedPages(),
    ...damagedFooters(),
    {
      name: "CDC file with a null cdc_seq",
      key: CDC_KEY,
      bytes: ordersFile({ replace: { cdc_seq: col("cdc_seq", STRING, ["1", null, "3"]) } }),
      code: "BAD_SEQ",
    },
    {
      name: "CDC file with a non-numeric cdc_seq",
      key: CDC_KEY,
      bytes: ordersFile({ replace: { cdc_seq: col("cdc_seq", STRING, ["1", "2", "abc"]) } }),
      code: "BAD_SEQ",
    },
    {
      // Targets left-pad to 35 digits: a longer sequence would be cut and sort wrongly.
      name: "CDC file with a 36-digit cdc_seq",
      key: CDC_KEY,
      bytes: ordersFile({ replace: { cdc_seq: col("cdc_seq", STRING, [SEQ35("1"), SEQ35("2"), `9${"0".repeat(35)}`]) } }),
      code: "BAD_SEQ",
    },
    {
      name: "non-numeric cdc_seq between valid ones, without statistics",
      key: CDC_KEY,
      bytes: ordersFile({ statistics: false, replace: { cdc_seq: col("cdc_seq", STRING, [SEQ35("1"), "1x", SEQ35("2")]) } }),
      code: "BAD_SEQ",
    },
    {
      name: "null primary key",
      key: CDC_KEY,
      bytes: ordersFile({ replace: { id: col("id", INT4, [1, null, 3]) } }),
      code: "NULL_PRIMARY_KEY",
    },
    {
      name: "null primary key without statistics",
      key: CDC_KEY,
      bytes: ordersFile({ statistics: false, replace: { id: col("id", INT4, [null, 2, 3]) } }),
      code: "NULL_PRIMARY_KEY",
    },
    {
      name: "null in a NOT NULL column",
      key: CDC_KEY,
      bytes: ordersFile({ replace: { name: col("name", STRING, ["a", null, "c"]) } }),
      code: "NULL_IN_NOT_NULL",
    },
    {
      name: "huge footer with an added column",
      key: CDC_KEY,
      bytes: ordersFile({ kvMetadata: huge, extra: [col("extra", INT4, [1, 2, 3])] }),
      code: "UNEXPECTED_COLUMN",
    },
  ];
  return list;
}

/** Op, cdc_seq and key values that footer statistics cannot exclude: only a look at every value finds them. */
function valueCases(): BadFile[] {
  const op = (name: string, values: string[]): BadFile => ({
    name,
    key: CDC_KEY,
    bytes: ordersFile({ replace: { Op: col("Op", STRING, values) } }),
    code: "BAD_OP",
  });
  const seq = (name: string, values: Array<string | null>, kind: "load" | "cdc" = "cdc"): BadFile => ({
    name,
    key: kind === "cdc" ? CDC_KEY : LOAD_KEY,
    bytes: ordersFile({ kind, replace: { cdc_seq: col("cdc_seq", STRING, values) } }),
    code: "BAD_SEQ",
  });
  const withE = [...LONG_OPS];
  withE[31] = "E";
  return [
    op("Op E between D and U, with statistics", ["D", "E", "U"]),
    op("Op 'I ' with a trailing space", ["I ", "U", "D"]),
    op("Op lower-case 'i'", ["i", "U", "D"]),
    op("Op empty", ["I", "", "D"]),
    op("Op 'UD'", ["I", "UD", "D"]),
    { name: "Op E in a dictionary-encoded chunk", key: CDC_KEY, bytes: longOrdersFile(withE), code: "BAD_OP" },
    seq("cdc_seq with a letter inside, between valid ones", [
      SEQ35("1"),
      `${SEQ35("1").slice(0, 20)}x${SEQ35("1").slice(21)}`,
      SEQ35("2"),
    ]),
    seq("cdc_seq of 40 digits", [SEQ35("1"), `1${"0".repeat(39)}`, SEQ35("2")]),
    seq("cdc_seq empty in a CDC file", [SEQ35("1"), "", SEQ35("2")]),
    seq("cdc_seq with a leading space", [SEQ35("1"), ` ${SEQ35("1").slice(1)}`, SEQ35("2")]),
    seq("cdc_seq negative", ["-1", "2", "3"]),
    seq("cdc_seq non-numeric in a full-load file", [null, "abc", ""], "load"),
  ];
}

/** Page bytes damaged where validation reads them: the Op, cdc_seq and key chunks. */
function damagedPages(): BadFile[] {
  const good = ordersFile();
  const long = longOrdersFile(LONG_OPS);
  const op = chunkOf(long, "Op");
  const seq = chunkOf(good, "cdc_seq");
  const id = chunkOf(good, "id");
  const corrupt = (name: string, bytes: Uint8Array): BadFile => ({ name, key: CDC_KEY, bytes, code: "CORRUPT_FILE" });
  return [
    corrupt("Op data page overwritten", fill(long, op.dataStart, op.end, 0xee)),
    corrupt("Op dictionary page overwritten", fill(long, op.start + 8, op.dataStart, 0xff)),
    corrupt("cdc_seq page body damaged (compressed bytes)", fill(good, seq.end - 12, seq.end, 0xff)),
    corrupt("key data page zeroed", fill(good, id.start, id.end, 0)),
  ];
}

/** Footers that decode as Thrift but contradict themselves or the pages. */
function damagedFooters(): BadFile[] {
  const good = ordersFile();
  const corrupt = (name: string, edit: Parameters<typeof rewriteFooter>[1]): BadFile => ({
    name: `footer: ${name}`,
    key: CDC_KEY,
    bytes: rewriteFooter(good, edit),
    code: "CORRUPT_FILE",
  });
  const chunk = (md: { row_groups: Array<{ columns: Array<{ meta_data?: unknown }> }> }, i: number) =>
    md.row_groups[0].columns[i].meta_data as { data_page_offset: bigint; total_compressed_size: bigint; codec: string };
  const nullKey = ordersFile({ replace: { id: col("id", INT4, [1, null, 3]) } });
  return [
    corrupt("more rows than its row groups", (md) => (md.num_rows += 1n)),
    corrupt("schema lists an element outside its tree", (md) => md.schema.push({ name: "ghost", type: "INT32" })),
    corrupt("row group without the last column chunk", (md) => md.row_groups[0].columns.pop()),
    corrupt("Op chunk moved onto the cdc_seq chunk", (md) => (chunk(md, 0).data_page_offset = chunk(md, 2).data_page_offset)),
    corrupt("cdc_seq chunk shorter than its pages", (md) => (chunk(md, 2).total_compressed_size -= 5n)),
    corrupt("Op chunk's codec changed", (md) => (chunk(md, 0).codec = "GZIP")),
    corrupt("key column made REQUIRED (its pages hold definition levels)", (md) => {
      md.schema[4].repetition_type = "REQUIRED";
    }),
    corrupt("one row more in footer and row group than in the pages", (md) => {
      md.num_rows += 1n;
      md.row_groups[0].num_rows += 1n;
      for (const c of md.row_groups[0].columns) if (c.meta_data) c.meta_data.num_values += 1n;
    }),
    {
      name: "footer: statistics hide a null key (null_count 0)",
      key: CDC_KEY,
      bytes: rewriteFooter(nullKey, (md) => {
        const stats = md.row_groups[0].columns[3].meta_data?.statistics;
        if (stats) stats.null_count = 0n;
      }),
      code: "NULL_PRIMARY_KEY",
    },
    {
      name: "footer: statistics say Op I..U around an E",
      key: CDC_KEY,
      bytes: rewriteFooter(ordersFile({ replace: { Op: col("Op", STRING, ["I", "E", "U"]) } }), (md) => {
        const stats = md.row_groups[0].columns[0].meta_data?.statistics;
        if (stats) [stats.min_value, stats.max_value] = ["I", "U"];
      }),
      code: "BAD_OP",
    },
  ];
}

function nested(name: string): ParquetColumn {
  return {
    name,
    type: {
      elements: [
        { repetition_type: "OPTIONAL", num_children: 1 },
        { name: "city", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      ],
    },
    values: [{ city: "a" }, { city: "b" }, null],
  };
}
