/**
 * Seeded fuzzing of validation with real files written by code: footer bytes, page bytes (of the chunks validation
 * reads, and of any other) and values (a file written again with one Op, cdc_seq or key value replaced). Whatever the
 * damage, validation must answer with a verdict, never throw; and a file it accepts must hold, as hyparquet's own
 * reader decodes it, the original's rows with Op, cdc_seq and key values the rules allow.
 *
 * What no validator can see without page checksums (hyparquet-writer writes none): a byte that turns one legal value
 * into another legal one ('I' → 'U', one digit of a sequence → another). Such accepted mutants are counted as
 * "legal substitutions" and must be nothing worse. Pages of columns validation does not read are not proven here
 * (a damaged one fails at apply, where per-table isolation holds it).
 *
 * Knobs: CDC_FUZZ_CASES (default 400, a few seconds), CDC_FUZZ_SEED (default 12).
 */
import { hyparquet } from "../../../../handlers/core/parquet/esm";
import { memoryReader } from "../../../../handlers/core/parquet/range-reader";
import { validateObject, type ObjectValidation } from "../../../../handlers/core/validation";
import { SEQ_PATTERN } from "../../../../handlers/core/validation/rules";
import { writeParquet } from "../../../../src/local/dms-generator";
import { seededRandom } from "../../../../src/local/dms-generator/values";
import { ordersTable } from "../../../support/parquet-fixtures";
import { CDC_KEY, LOAD_KEY, longOrdersFile, ordersFile } from "./bad-files";
import { chunkOf, footerStart, patch } from "./parquet-surgery";

const CASES = Number(process.env.CDC_FUZZ_CASES ?? 400);
const SEED = Number(process.env.CDC_FUZZ_SEED ?? 12);
const tables = [ordersTable()];
const CHECKED = ["Op", "cdc_seq", "id"] as const;
const STRING = { physical: "BYTE_ARRAY", logical: { type: "STRING" } } as const;

type Row = Record<(typeof CHECKED)[number], unknown>;

interface Original {
  name: string;
  key: string;
  kind: "load" | "cdc";
  bytes: Uint8Array;
  rows: Row[];
}

async function decodeChecked(bytes: Uint8Array): Promise<Row[]> {
  const own = bytes.slice();
  return (await hyparquet.parquetReadObjects({ file: own.buffer, columns: [...CHECKED] })) as Row[];
}

/** What the rules allow in one row of a file of this kind. */
function legal(row: Row, kind: "load" | "cdc"): boolean {
  const op = row.Op;
  const seq = row.cdc_seq;
  const opOk = kind === "load" ? op === "I" : op === "I" || op === "U" || op === "D";
  const seqOk =
    kind === "load"
      ? seq === null || seq === undefined || seq === "" || (typeof seq === "string" && SEQ_PATTERN.test(seq))
      : typeof seq === "string" && SEQ_PATTERN.test(seq);
  return opOk && seqOk && row.id !== null && row.id !== undefined;
}

const OP_POOL = ["I", "U", "D", "E", "I ", "i", "", "UD", "\u0000", null];
const SEQ_POOL = [
  "1",
  "20240102030405000000000000000000009",
  "1".repeat(36),
  "1".repeat(40),
  "12x4",
  " 12",
  "12\n",
  "",
  null,
  "-1",
];

/** The columns of `original` with one Op, cdc_seq or key value replaced (rows written again, as DMS would). */
function withValue(rows: Row[], rnd: () => number, statistics: boolean): { bytes: Uint8Array; rows: Row[] } {
  const copy = rows.map((r) => ({ ...r }));
  const i = Math.floor(rnd() * copy.length);
  const which = CHECKED[Math.floor(rnd() * CHECKED.length)];
  if (which === "Op") copy[i].Op = OP_POOL[Math.floor(rnd() * OP_POOL.length)];
  else if (which === "cdc_seq") copy[i].cdc_seq = SEQ_POOL[Math.floor(rnd() * SEQ_POOL.length)];
  else copy[i].id = rnd() < 0.5 ? null : Math.floor(rnd() * 1000);
  const n = copy.length;
  const bytes = writeParquet(
    [
      { name: "Op", type: STRING, values: copy.map((r) => r.Op as string | null) },
      { name: "cdc_timestamp", type: STRING, values: Array(n).fill("2024-01-02 03:04:05.000000") },
      { name: "cdc_seq", type: STRING, values: copy.map((r) => r.cdc_seq as string | null) },
      { name: "id", type: ordersTable().columns[0].parquet, values: copy.map((r) => r.id as number | null) },
      { name: "name", type: STRING, values: Array.from({ length: n }, (_, k) => `n${k % 5}`) },
      { name: "amount", type: ordersTable().columns[2].parquet, values: Array(n).fill(null) },
    ],
    { statistics },
  );
  return { bytes, rows: copy };
}

/** 1–3 random bytes of `[start, end)` replaced: a random byte, a flipped bit, or 0x00/0xff. */
function damage(bytes: Uint8Array, start: number, end: number, rnd: () => number): Uint8Array {
  let out = bytes;
  const times = 1 + Math.floor(rnd() * 3);
  for (let t = 0; t < times; t++) {
    const at = start + Math.floor(rnd() * (end - start));
    const how = rnd();
    const byte = how < 0.4 ? Math.floor(rnd() * 256) : how < 0.8 ? out[at] ^ (1 << Math.floor(rnd() * 8)) : how < 0.9 ? 0 : 255;
    out = patch(out, at, Uint8Array.of(byte));
  }
  return out;
}

describe(`validation under ${CASES} seeded mutations (seed ${SEED})`, () => {
  it("answers every mutant with a verdict, and accepts none whose rows break the rules or differ beyond legal values", async () => {
    const rnd = seededRandom(SEED);
    const ops60 = Array.from({ length: 60 }, (_, i) => "IUD"[i % 3]);
    const originals: Original[] = [];
    const add = async (name: string, key: string, kind: "load" | "cdc", bytes: Uint8Array) =>
      originals.push({ name, key, kind, bytes, rows: await decodeChecked(bytes) });
    await add("plain, statistics", CDC_KEY, "cdc", ordersFile());
    await add("plain, no statistics", CDC_KEY, "cdc", ordersFile({ statistics: false }));
    await add("dictionary-encoded Op", CDC_KEY, "cdc", longOrdersFile(ops60));
    await add("full load", LOAD_KEY, "load", ordersFile({ kind: "load" }));
    for (const o of originals)
      expect(await validateObject({ key: o.key, tables, reader: memoryReader(o.bytes) })).toMatchObject({ valid: true });

    const crashes: string[] = [];
    const wrong: string[] = [];
    const tally = { footer: 0, page: 0, value: 0, accepted: 0, substitutions: 0, slowestMs: 0 };
    for (let c = 0; c < CASES; c++) {
      const o = originals[Math.floor(rnd() * originals.length)];
      const kind = rnd();
      let bytes: Uint8Array;
      let label: string;
      let expectedRows: Row[] | undefined;
      if (kind < 0.4) {
        tally.footer++;
        bytes = damage(o.bytes, footerStart(o.bytes), o.bytes.length - 8, rnd);
        label = "footer";
      } else if (kind < 0.8) {
        tally.page++;
        // Mostly the chunks validation reads; sometimes anywhere before the footer.
        const target =
          rnd() < 0.8 ? chunkOf(o.bytes, CHECKED[Math.floor(rnd() * CHECKED.length)]) : { start: 4, end: footerStart(o.bytes) };
        bytes = damage(o.bytes, target.start, target.end, rnd);
        label = "page";
      } else {
        tally.value++;
        const v = withValue(o.rows, rnd, rnd() < 0.5);
        bytes = v.bytes;
        expectedRows = v.rows;
        label = "value";
      }
      const what = `case ${c} (${label} mutation of the ${o.name} file)`;
      const began = performance.now();
      let verdict: ObjectValidation;
      try {
        verdict = await validateObject({ key: o.key, tables, reader: memoryReader(bytes) });
      } catch (err) {
        crashes.push(`${what}: threw ${String(err)}`);
        continue;
      }
      tally.slowestMs = Math.max(tally.slowestMs, performance.now() - began);
      for (const e of verdict.errors) {
        if (/\n/.test(e.message)) wrong.push(`${what}: ${e.code} message spans lines`);
        if (e.code === "CORRUPT_FILE" && !e.message.startsWith(`${o.key}: `)) wrong.push(`${what}: ${e.message} names no file`);
      }
      if (expectedRows) {
        // A value mutation is judged exactly: accepted if and only if every row is legal.
        const allowed = expectedRows.every((r) => legal(r, o.kind));
        if (verdict.valid !== allowed)
          wrong.push(
            `${what}: ${verdict.valid ? "accepted" : "refused"} ${JSON.stringify(expectedRows)} (${JSON.stringify(verdict.errors)})`,
          );
        continue;
      }
      if (!verdict.valid) continue;
      tally.accepted++;
      let rows: Row[];
      try {
        rows = await decodeChecked(bytes);
      } catch (err) {
        wrong.push(`${what}: accepted, but hyparquet cannot decode its Op/cdc_seq/id (${String(err)})`);
        continue;
      }
      if (rows.length !== o.rows.length || verdict.rowCount !== rows.length) {
        wrong.push(`${what}: accepted with ${verdict.rowCount} rows; decoded ${rows.length}, originally ${o.rows.length}`);
        continue;
      }
      const illegal = rows.filter((r) => !legal(r, o.kind));
      if (illegal.length > 0) wrong.push(`${what}: accepted with rows the rules refuse: ${JSON.stringify(illegal)}`);
      else if (JSON.stringify(rows) !== JSON.stringify(o.rows)) tally.substitutions++;
    }
    if (process.env.CDC_FUZZ_CASES) console.log(`fuzz seed ${SEED}: ${JSON.stringify(tally)}`);
    expect(crashes).toEqual([]);
    expect(wrong).toEqual([]);
    // Each kind of mutation really ran, and damage was mostly caught rather than waved through.
    expect(Math.min(tally.footer, tally.page, tally.value)).toBeGreaterThan(CASES / 10);
    expect(tally.slowestMs).toBeLessThan(5_000);
  }, 600_000);
});
