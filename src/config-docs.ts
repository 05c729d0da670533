/**
 * docs/configuration.md, generated from the stack-config schema (src/config.ts): every key's path, type, whether it
 * is required or its default, and its description (`.describe()` on the field). `cdc docs config` writes it; a test
 * fails when the committed file differs, so the reference cannot drift from what the program accepts.
 */
import { z } from "zod";
import { stackConfigSchema } from "./config";

/** Where the reference lives, relative to the project directory. */
export const CONFIGURATION_DOC = "docs/configuration.md";
/** The command that rewrites it. */
export const CONFIGURATION_DOC_COMMAND = "npm run cdc -- docs config";

/** One documented key. */
export interface ConfigKey {
  /** `cdc:sources[].targets[].mysql.port` */
  path: string;
  type: string;
  /** `required`, `optional`, `default: <value>` or `refused`. */
  presence: string;
  description: string;
}

// zod v4 keeps a schema's definition on `_zod.def`; only the parts read here are typed.
interface Def {
  type: string;
  innerType?: Schema;
  defaultValue?: unknown;
  shape?: Record<string, Schema>;
  element?: Schema;
  options?: Schema[];
  in?: Schema;
  entries?: Record<string, string | number>;
  values?: unknown[];
  checks?: Array<{ _zod: { def: CheckDef } }>;
  format?: string;
}
interface CheckDef {
  check: string;
  value?: number | bigint;
  inclusive?: boolean;
  minimum?: number;
  maximum?: number;
  format?: string;
}
interface Schema {
  _zod: { def: Def };
  description?: string;
}

const defOf = (s: Schema): Def => s._zod.def;

/** Every key of the stack config, depth first in the schema's own order. */
export function configKeys(schema: z.ZodType = stackConfigSchema): ConfigKey[] {
  const keys: ConfigKey[] = [];
  walkObject(schema as unknown as Schema, "cdc:", keys);
  return keys;
}

function walkObject(schema: Schema, prefix: string, keys: ConfigKey[]): void {
  const object = findObject(schema);
  if (!object) return;
  for (const [name, field] of Object.entries(defOf(object).shape ?? {})) {
    const path = `${prefix}${name}`;
    keys.push({ path, type: typeName(field), presence: presence(field), description: describe(field) });
    const inner = unwrap(field);
    const def = defOf(inner);
    if (def.type === "array" && def.element) walkObject(def.element, `${path}[].`, keys);
    else walkObject(inner, `${path}.`, keys);
  }
}

/** The object a schema is, wraps, or offers in a union (`false | { … }`). */
function findObject(schema: Schema): Schema | undefined {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type === "object") return inner;
  if (def.type === "union") return def.options?.map(findObject).find((o) => o !== undefined);
  return undefined;
}

/** Through optional, default and transform wrappers to the schema that decides the value's type. */
function unwrap(schema: Schema): Schema {
  const def = defOf(schema);
  if ((def.type === "optional" || def.type === "default" || def.type === "nullable") && def.innerType)
    return unwrap(def.innerType);
  if (def.type === "pipe" && def.in) return unwrap(def.in);
  return schema;
}

/** The first description met from the outside in (a wrapper's, else the wrapped schema's). */
function describe(schema: Schema): string {
  if (schema.description) return schema.description;
  const def = defOf(schema);
  if (def.type === "never")
    return "Refused: plaintext credentials are not accepted; store them in AWS Secrets Manager and set `secretArn`.";
  const next = def.innerType ?? def.in;
  return next ? describe(next) : "";
}

function presence(schema: Schema): string {
  const def = defOf(schema);
  if (def.type === "optional") return defOf(unwrap(schema)).type === "never" ? "refused" : "optional";
  if (def.type === "default") {
    const value = def.defaultValue;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? "optional (defaults per key)"
      : `default \`${JSON.stringify(value)}\``;
  }
  if (def.type === "pipe" && def.in) return presence(def.in);
  return "required";
}

function typeName(schema: Schema): string {
  const def = defOf(unwrap(schema));
  switch (def.type) {
    case "string":
      return def.format === "email" ? "string (e-mail)" : stringConstraints(def);
    case "number":
      return numberType(def);
    case "boolean":
      return "boolean";
    case "enum":
      return Object.values(def.entries ?? {})
        .map((v) => `\`${JSON.stringify(v)}\``)
        .join(" \\| ");
    case "literal":
      return (def.values ?? []).map((v) => `\`${JSON.stringify(v)}\``).join(" \\| ");
    case "array": {
      const min = checks(def).find((c) => c.check === "min_length")?.minimum;
      const element = def.element ? typeName(def.element) : "value";
      return `list of ${element}${min !== undefined && min > 0 ? ` (at least ${min})` : ""}`;
    }
    case "object":
      return "object";
    case "union":
      return (def.options ?? []).map(typeName).join(" \\| ");
    case "never":
      return "—";
    default:
      return def.type;
  }
}

const checks = (def: Def): CheckDef[] => (def.checks ?? []).map((c) => c._zod.def);

function stringConstraints(def: Def): string {
  const c = checks(def);
  const min = c.find((x) => x.check === "min_length")?.minimum;
  const max = c.find((x) => x.check === "max_length")?.maximum;
  if (min !== undefined && max !== undefined) return `string (${min}–${max} characters)`;
  if (max !== undefined) return `string (at most ${max} characters)`;
  if (min !== undefined && min > 1) return `string (at least ${min} characters)`;
  return "string";
}

function numberType(def: Def): string {
  const c = checks(def);
  const integer = c.some((x) => x.check === "number_format" && (x.format === "safeint" || x.format === "int32"));
  const lower = c.find((x) => x.check === "greater_than");
  const upper = c.find((x) => x.check === "less_than");
  const name = integer ? "integer" : "number";
  const low = lower ? Number(lower.value) + (lower.inclusive ? 0 : 1) : undefined;
  const high = upper ? Number(upper.value) - (upper.inclusive ? 0 : 1) : undefined;
  if (low !== undefined && high !== undefined) return `${name} ${low}–${high}`;
  if (low !== undefined) return `${name} ≥ ${low}`;
  if (high !== undefined) return `${name} ≤ ${high}`;
  return name;
}

/** A Markdown table cell: no line breaks, pipes escaped. */
const cell = (text: string): string => text.replace(/\s*\n\s*/g, " ").replace(/(?<!\\)\|/g, "\\|");

/**
 * The whole of docs/configuration.md. Tables are padded the way Prettier pads them, so `npm run lint` (prettier
 * --check) accepts the file as written; async so a formatter could be awaited here if that ever stops holding.
 */
export async function configurationDoc(keys: ConfigKey[] = configKeys()): Promise<string> {
  return markdown(keys);
}

function markdown(keys: ConfigKey[]): string {
  const top = keys.filter((k) => !k.path.slice(4).includes(".") && !k.path.includes("[]"));
  const lines = [
    "# Stack configuration reference",
    "",
    `<!-- Generated from the zod schema in src/config.ts by \`${CONFIGURATION_DOC_COMMAND}\`. Do not edit by hand: change the`,
    "     schema's descriptions and run the command again; a test fails while this file differs from its output. -->",
    "",
    "Every setting of a stack lives in `Pulumi.<stack>.yaml` under the `cdc` namespace; `Pulumi.dev.yaml` is a complete example.",
    "The program and `cdc config check` validate them before anything is declared and report every problem at once, one line",
    "each with its config path. Beyond this schema they check each source's committed metadata, table globs, the region and",
    'where secrets live (README, "Configure a stack"). Every stack file also sets `pulumi:disable-default-providers: ["aws"]`.',
    "",
    "`[]` in a path is any entry of a list. A key marked _optional (defaults per key)_ may be left out whole: each key under",
    "it then takes its own default.",
    "",
  ];
  for (const section of top) {
    lines.push(`## \`${section.path}\``, "");
    const rows = keys.filter(
      (k) => k.path === section.path || k.path.startsWith(`${section.path}.`) || k.path.startsWith(`${section.path}[]`),
    );
    lines.push(
      ...table(
        ["key", "type", "required / default", "description"],
        rows.map((k) => [`\`${k.path}\``, cell(k.type), cell(k.presence), cell(k.description)]),
      ),
      "",
    );
  }
  return lines.join("\n");
}

/** A Markdown table with every column padded to its widest cell, as Prettier writes one. */
function table(header: string[], rows: string[][]): string[] {
  const width = (text: string) => [...text].length;
  const widths = header.map((h, i) => Math.max(3, width(h), ...rows.map((r) => width(r[i]))));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c + " ".repeat(widths[i] - width(c))).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)];
}
