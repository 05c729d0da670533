/**
 * The name check every path into the pipeline runs (DESIGN §4 "Names"): `metadata extract` before it writes, and
 * every reader of a metadata directory (load.ts: the program, `cdc config check`, the CLI, the Lambdas). The rules of
 * one table alone are in name-rules.ts; here are the rules between the tables of one source: no two may share a
 * metadata file, a name after case folding, a physical table in a target, or a Glue table of the harmonized files.
 */
import { defaultTableNames, type TableNames } from "../handlers/core/plan/names";
import { UserError } from "../src/errors";
import { GLUE_NAME_MAX_BYTES } from "./naming";
import { tableId, type TableMetadata } from "./format";
import { glueTableName } from "./glue-table-input";
import { shownName, tableNameIssues, type NamedTable } from "./name-rules";

/** A rule broken by `table` in relation to the other tables (or by a name only the whole source determines). */
export interface SourceNameProblem {
  table: TableMetadata;
  message: string;
}

const KIND: Record<keyof TableNames, string> = { target: "target", tombstones: "tombstone", staging: "MySQL staging" };

/**
 * Problems between tables, one per table at most (its first), tables taken in `<schema>.<table>` order so the later
 * table of a colliding pair is the one named. Per-table rules are left to the metadata schema.
 */
export function sourceNameProblems(tables: readonly TableMetadata[]): SourceNameProblem[] {
  const problems: SourceNameProblem[] = [];
  const ids = new Map<string, TableMetadata>();
  const physical = new Map<string, { owner: TableMetadata; kind: keyof TableNames }>();
  const glue = new Map<string, TableMetadata>();
  for (const t of [...tables].sort((a, b) => compare(tableId(a), tableId(b)))) {
    const fail = (message: string) => problems.push({ table: t, message });
    const id = tableId(t);
    const sameId = ids.get(id.toLowerCase());
    if (sameId !== undefined) {
      // DMS keys, findTable, Glue and every target fold case, so the two tables' changes would mix.
      fail(
        tableId(sameId) === id
          ? `schema ${shownName(t.schema)} and table ${shownName(t.table)} give the same id as schema ${shownName(sameId.schema)} and table ${shownName(sameId.table)}`
          : `differs only in case from ${shownId(sameId)}; DMS keys, Glue and the targets match names case-insensitively`,
      );
      continue;
    }
    ids.set(id.toLowerCase(), t);
    const names = defaultTableNames(t);
    const kinds = Object.keys(names) as Array<keyof TableNames>;
    const clash = kinds
      .map((k) => ({ k, name: names[k].join("."), other: physical.get(names[k].join(".")) }))
      .find((c) => c.other);
    if (clash?.other !== undefined) {
      fail(
        `its ${KIND[clash.k]} table ${clash.name} is also the ${KIND[clash.other.kind]} table of ${shownId(clash.other.owner)}`,
      );
      continue;
    }
    for (const k of kinds) physical.set(names[k].join("."), { owner: t, kind: k });
    const g = glueTableName(t);
    const sameGlue = glue.get(g);
    if (Buffer.byteLength(g) > GLUE_NAME_MAX_BYTES) {
      fail(`its Glue table name ${g} is ${Buffer.byteLength(g)} bytes; Glue allows ${GLUE_NAME_MAX_BYTES}`);
    } else if (sameGlue !== undefined) {
      fail(`its Glue table ${g} (harmonized files) is also that of ${shownId(sameGlue)}`);
    } else {
      glue.set(g, t);
    }
  }
  return problems;
}

/** Every name problem of a source's tables, one line each starting with the table: what the extractor refuses. */
export function metadataNameProblems(tables: readonly TableMetadata[]): string[] {
  const own = tables.flatMap((t) => tableNameIssues(t).map((i) => `${shownId(t)}: ${i.message}`));
  return [...own, ...sourceNameProblems(tables).map((p) => `${shownId(p.table)}: ${p.message}`)];
}

/** Throws a `UserError` listing every problem, one line each, when any name of `tables` is refused. */
export function checkMetadataNames(tables: readonly TableMetadata[]): void {
  const problems = metadataNameProblems(tables);
  if (problems.length > 0) throw nameError(problems);
}

/** One problem is its own line; several get a count line, then one indented line each, like `cdc config check`. */
export function nameError(lines: readonly string[]): UserError {
  return new UserError(
    lines.length === 1 ? lines[0] : [`${lines.length} names refused:`, ...lines.map((l) => `  ${l}`)].join("\n"),
  );
}

/** `<schema>.<table>`, escaped when it holds characters that would break the line. */
export function shownId(t: NamedTable): string {
  return shownName(tableId(t));
}

// Code-unit order, as `Array.prototype.sort` and the metadata files' order use: no locale may change which table of
// a pair is reported.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
