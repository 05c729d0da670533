/**
 * A catalogue of real files that must each fail validation with one specific code, shared by the rules tests and
 * the validate Lambda's integration test (which quarantines every one of them). Built against `ordersTable()`:
 * `id INT4` primary key, `name STRING NOT NULL`, `amount NUMERIC(10,2)`.
 */
import type { ViolationCode } from "../../../../handlers/core/validation";
import { targetTypes } from "../../../../metadata/dms-types";
import type { ParquetType } from "../../../../metadata/format";
import { writeParquet, type ParquetColumn, type ParquetValue } from "../../../../src/local/dms-generator";

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
const patch = (bytes: Uint8Array, at: number, value: Uint8Array) => {
  const copy = bytes.slice();
  copy.set(value, at < 0 ? copy.length + at : at);
  return copy;
};

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
      code: "NOT_PARQUET",
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
    {
      name: "CDC file with a null cdc_seq",
      key: CDC_KEY,
      bytes: ordersFile({ replace: { cdc_seq: col("cdc_seq", STRING, ["1", null, "3"]) } }),
      code: "MISSING_SEQ",
    },
    {
      name: "CDC file with a non-numeric cdc_seq",
      key: CDC_KEY,
      bytes: ordersFile({ replace: { cdc_seq: col("cdc_seq", STRING, ["1", "2", "abc"]) } }),
      code: "MISSING_SEQ",
    },
    {
      // Targets left-pad to 35 digits: a longer sequence would be cut and sort wrongly.
      name: "CDC file with a 36-digit cdc_seq",
      key: CDC_KEY,
      bytes: ordersFile({ replace: { cdc_seq: col("cdc_seq", STRING, [SEQ35("1"), SEQ35("2"), `9${"0".repeat(35)}`]) } }),
      code: "MISSING_SEQ",
    },
    {
      name: "non-numeric cdc_seq between valid ones, without statistics",
      key: CDC_KEY,
      bytes: ordersFile({ statistics: false, replace: { cdc_seq: col("cdc_seq", STRING, [SEQ35("1"), "1x", SEQ35("2")]) } }),
      code: "MISSING_SEQ",
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
