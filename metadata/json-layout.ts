/**
 * JSON laid out the way Prettier (printWidth 130, the project's setting) lays out a `.json` file, so committed
 * metadata passes `prettier --check` and regenerating it changes no byte. Objects are always expanded, one property
 * a line; an array of scalars stays on one line when it fits; arrays of numbers fill lines; anything else breaks one
 * element a line. tests/metadata/json-layout.test.ts checks this against Prettier itself.
 */

/** Prettier's print width for this project (.prettierrc). */
export const PRINT_WIDTH = 130;

/** `value` (plain JSON data) as Prettier would format it, with a trailing newline. */
export function layoutJson(value: unknown): string {
  return `${print(value, 0, 0, 0)}\n`;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Text of `value` starting `column` characters into a line at `indent`, followed on its line by `trailing` characters. */
function print(value: unknown, indent: number, column: number, trailing: number): string {
  if (Array.isArray(value)) return printArray(value, indent, column, trailing);
  if (isObject(value)) return printObject(value, indent);
  return JSON.stringify(value);
}

function printObject(value: Record<string, unknown>, indent: number): string {
  const keys = Object.keys(value).filter((k) => value[k] !== undefined);
  if (keys.length === 0) return "{}";
  const pad = " ".repeat(indent + 2);
  const lines = keys.map((k, i) => {
    const head = `${pad}${JSON.stringify(k)}: `;
    const comma = i < keys.length - 1 ? "," : "";
    return `${head}${print(value[k], indent + 2, width(head), comma.length)}${comma}`;
  });
  return `{\n${lines.join("\n")}\n${" ".repeat(indent)}}`;
}

function printArray(items: unknown[], indent: number, column: number, trailing: number): string {
  if (items.length === 0) return "[]";
  const flat = flatText(items);
  if (flat !== undefined && !alwaysBreaks(items) && column + width(flat) + trailing <= PRINT_WIDTH) return flat;
  const pad = " ".repeat(indent + 2);
  if (items.length > 1 && items.every((v) => typeof v === "number")) return fill(items as number[], indent);
  const lines = items.map((v, i) => {
    const comma = i < items.length - 1 ? "," : "";
    return `${pad}${print(v, indent + 2, pad.length, comma.length)}${comma}`;
  });
  return `[\n${lines.join("\n")}\n${" ".repeat(indent)}]`;
}

/** Prettier packs number arrays: as many per line as fit. */
function fill(items: number[], indent: number): string {
  const pad = " ".repeat(indent + 2);
  const lines: string[] = [];
  let line = "";
  items.forEach((n, i) => {
    const part = `${JSON.stringify(n)}${i < items.length - 1 ? "," : ""}`;
    if (line === "") line = pad + part;
    else if (width(line) + 1 + width(part) <= PRINT_WIDTH) line += ` ${part}`;
    else {
      lines.push(line);
      line = pad + part;
    }
  });
  lines.push(line);
  return `[\n${lines.join("\n")}\n${" ".repeat(indent)}]`;
}

/** Prettier keeps an array of two or more multi-element arrays (or objects) broken even when it would fit. */
function alwaysBreaks(items: unknown[]): boolean {
  return items.length > 1 && items.every((v) => Array.isArray(v) && v.length > 1);
}

/** The one-line text of an array, or undefined when it holds something that never goes on one line. */
function flatText(items: unknown[]): string | undefined {
  const parts: string[] = [];
  for (const v of items) {
    if (isObject(v)) {
      if (Object.keys(v).some((k) => v[k] !== undefined)) return undefined;
      parts.push("{}");
    } else if (Array.isArray(v)) {
      if (v.length > 0 && alwaysBreaks(v)) return undefined;
      const inner = v.length === 0 ? "[]" : flatText(v);
      if (inner === undefined) return undefined;
      parts.push(inner);
    } else {
      parts.push(JSON.stringify(v));
    }
  }
  return `[${parts.join(", ")}]`;
}

/** Display width as Prettier measures it: East Asian wide characters count two, combining marks none. */
export function width(text: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text.length;
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0xfe00 && cp <= 0xfe0f) || cp === 0x200d) continue;
    w += isWide(cp) ? 2 : 1;
  }
  return w;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}
