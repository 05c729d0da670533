import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { layoutJson, PRINT_WIDTH } from "../../metadata/json-layout";

const RUNS = Number(process.env.CDC_PROPERTY_RUNS ?? 150);
const SEED = Number(process.env.CDC_PROPERTY_SEED ?? Date.now());

// Prettier 3 is ESM inside and jest here runs CommonJS, so the texts go through Prettier in one child process.
const FORMAT_ALL = `
import * as prettier from "prettier";
// Decoded as one stream: a character split across two chunks would otherwise become two replacement characters.
process.stdin.setEncoding("utf8");
let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const text of JSON.parse(input)) out.push(await prettier.format(text, { parser: "json", printWidth: ${PRINT_WIDTH} }));
process.stdout.write(JSON.stringify(out));`;

function prettierAll(texts: string[]): string[] {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", FORMAT_ALL], {
    cwd: path.join(__dirname, "../.."),
    input: JSON.stringify(texts),
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.toString("utf8"));
}

/** Every value's layout must be what Prettier makes of it. */
function expectPrettierAgrees(values: unknown[]): void {
  const texts = values.map(layoutJson);
  const formatted = prettierAll(texts);
  texts.forEach((text, i) => {
    // The seed makes a failing sample reproducible: CDC_PROPERTY_SEED=<seed>.
    if (formatted[i] !== text)
      expect({ seed: SEED, value: values[i], ours: text }).toEqual({ seed: SEED, value: values[i], ours: formatted[i] });
    expect(JSON.parse(text)).toEqual(values[i]);
  });
}

describe("layoutJson lays JSON out exactly as Prettier does", () => {
  it("for the committed example metadata", () => {
    const root = path.join(__dirname, "../../metadata/sources");
    const files = fs.readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThan(5);
    expectPrettierAgrees(files.map((f) => JSON.parse(fs.readFileSync(path.join(root, f), "utf8"))));
  });

  it("at the print width boundary", () => {
    const values = [];
    for (let n = 100; n <= 140; n++) values.push({ tables: ["x".repeat(n - 14)], more: 1, list: ["a".repeat(n - 20), "b"] });
    expectPrettierAgrees(values);
  });

  it("for arbitrary JSON (strings, numbers, nested arrays and objects, wide characters)", () => {
    const key = fc.string({ unit: fc.constantFrom("a", "b", "Z", "_", "é", "漢"), minLength: 1, maxLength: 12 });
    const scalar = fc.oneof(
      fc.string({ unit: fc.constantFrom("a", "b", " ", ".", '"', "\\", "漢", "é", "\n"), maxLength: 40 }),
      fc.integer({ min: -1e9, max: 1e9 }),
      fc.boolean(),
      fc.constant(null),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("array"), tie("object")),
      array: fc.array(tie("value"), { maxLength: 12 }),
      object: fc.dictionary(key, tie("value"), { maxKeys: 5 }),
    }));
    const longArrays = fc.array(fc.string({ minLength: 5, maxLength: 30 }), { minLength: 1, maxLength: 10 });
    const numbers = fc.array(fc.integer({ min: -99999, max: 99999 }), { minLength: 2, maxLength: 80 });
    const arbitrary = fc.record({
      a: value,
      b: longArrays,
      c: numbers,
      d: fc.array(fc.array(scalar, { maxLength: 4 }), { maxLength: 4 }),
    });
    expectPrettierAgrees(fc.sample(arbitrary, { numRuns: RUNS, seed: SEED }));
  });
});
