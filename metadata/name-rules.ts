/**
 * The name rules one table must meet on its own (DESIGN §4 "Names"); the rules between tables (collisions after
 * target naming) are in name-checks.ts. The metadata schema (format.ts) refines every table with these, so every
 * reader of a metadata file applies them; the extractor applies them before it writes anything.
 */
import { MYSQL_IDENTIFIER_MAX } from "./naming";
import { reservedColumnReason } from "./reserved-names";

/** One refused name: where it is in the table file and why, as one line naming the schema, table or column. */
export interface NameIssue {
  path: Array<string | number>;
  message: string;
}

/** What a table's names are checked on: the table file's `schema`, `table` and replicated column names. */
export interface NamedTable {
  schema: string;
  table: string;
  columns: ReadonlyArray<{ name: string }>;
  primaryKey?: readonly string[];
}

// Schema and table names become file names (`tables/<schema>.<table>.json`), S3 key segments (`<schema>/<table>/`)
// and directory names: a separator or `..` would let a source's catalog choose where files are written.
const PATH_PARTS = ["/", "\\", ".."];
// Control characters, and the line and paragraph separators some terminals break lines at.
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]/u;
// MySQL identifiers hold only Basic Multilingual Plane characters (code points up to U+FFFF).
const OUTSIDE_BMP = /[\u{10000}-\u{10FFFF}]/u;

/** Every rule `t` breaks on its own, in file order: schema, table, then columns. */
export function tableNameIssues(t: NamedTable): NameIssue[] {
  const issues: NameIssue[] = [];
  for (const part of ["schema", "table"] as const) {
    const name = t[part];
    const bad = name === "." ? "." : PATH_PARTS.find((p) => name.includes(p));
    const problem =
      bad !== undefined
        ? `${name === "." ? "is" : "contains"} "${bad}": schema and table names become file names and S3 key segments`
        : characterProblem(name, part === "table");
    if (problem !== undefined) issues.push({ path: [part], message: `${part} ${shownName(name)} ${problem}` });
  }
  // Every target and DMS's own output match column names case-insensitively: two that differ only in case are one.
  const seen = new Map<string, string>();
  t.columns.forEach((c, i) => {
    const reserved = reservedColumnReason(c.name);
    const length = [...c.name].length;
    const earlier = seen.get(c.name.toLowerCase());
    const problem =
      earlier !== undefined
        ? earlier === c.name
          ? "appears twice"
          : `differs from column ${shownName(earlier)} only in case; files and targets match column names case-insensitively`
        : reserved !== undefined
          ? `is reserved: ${reserved}`
          : length > MYSQL_IDENTIFIER_MAX
            ? `is ${length} characters; MySQL allows ${MYSQL_IDENTIFIER_MAX} (column names are never shortened)`
            : characterProblem(c.name, true);
    if (earlier === undefined) seen.set(c.name.toLowerCase(), c.name);
    if (problem !== undefined) issues.push({ path: ["columns", i, "name"], message: `column ${shownName(c.name)} ${problem}` });
  });
  const columns = new Set(t.columns.map((c) => c.name));
  (t.primaryKey ?? []).forEach((k, i) => {
    const problem = !columns.has(k)
      ? "is not one of the table's replicated columns"
      : t.primaryKey?.indexOf(k) !== i
        ? "appears twice"
        : undefined;
    if (problem !== undefined) issues.push({ path: ["primaryKey", i], message: `primary-key column ${shownName(k)} ${problem}` });
  });
  return issues;
}

/** Characters a target cannot hold in an identifier; `trailing` also refuses a final space (the MySQL name ends with it). */
function characterProblem(name: string, trailing: boolean): string | undefined {
  if (CONTROL.test(name)) return "contains a control character";
  if (OUTSIDE_BMP.test(name)) return "contains a character beyond U+FFFF, which MySQL identifiers cannot hold";
  if (trailing && /\s$/u.test(name)) return "ends with a space, which MySQL identifiers cannot";
  return undefined;
}

/** A name as shown in a one-line message: quoted and escaped when it holds control characters or edge spaces. */
export function shownName(name: string): string {
  if (!CONTROL.test(name) && !/^\s|\s$/u.test(name)) return name;
  // JSON escapes only C0 controls; DEL, C1 and the separators get \u escapes too, so nothing invisible is printed.
  return JSON.stringify(name).replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
