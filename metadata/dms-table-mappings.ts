/**
 * The DMS task's table mappings, generated from metadata: a selection rule for exactly each extracted table (explicit
 * names, no wildcards, so a table created later on the source is never picked up unreviewed), one `add-column` rule
 * giving every file the `cdc_seq` column (`$AR_H_CHANGE_SEQ`), a `remove-column` rule for each excluded column so
 * the files carry exactly the columns the metadata lists, and a `change-data-type` rule for each TIME column so DMS
 * writes it as a string (see `targetTypes`).
 */
import { createHash } from "node:crypto";
import { TIME_STRING_LENGTH } from "./dms-types";
import { tableId, type TableMetadata } from "./format";

/** The change-sequence column every DMS file carries (DESIGN §4). */
export const CHANGE_SEQUENCE_COLUMN = "cdc_seq";

type Rule = Record<string, unknown>;

/**
 * Table mappings for a DMS task over `tables`. Rule names say what a rule does; rule ids are derived from the names,
 * so adding or removing a table changes only that table's rules.
 */
export function dmsTableMappings(tables: TableMetadata[]): { rules: Array<Record<string, unknown>> } {
  const sorted = [...tables].sort((a, b) => (tableId(a) < tableId(b) ? -1 : tableId(a) > tableId(b) ? 1 : 0));
  const rules: Rule[] = [];
  for (const t of sorted) {
    rules.push(
      rule(`include-${tableId(t)}`, {
        "rule-type": "selection",
        "object-locator": { "schema-name": t.schema, "table-name": t.table },
        "rule-action": "include",
        filters: [],
      }),
    );
  }
  // DMS applies transformation rules only to selected tables, so one wildcard rule is the documented equivalent of
  // one rule per table (user guide, "Using transformation rule expressions to define column content").
  rules.push(
    rule(`add-${CHANGE_SEQUENCE_COLUMN}`, {
      "rule-type": "transformation",
      "rule-target": "column",
      "object-locator": { "schema-name": "%", "table-name": "%" },
      "rule-action": "add-column",
      value: CHANGE_SEQUENCE_COLUMN,
      expression: "$AR_H_CHANGE_SEQ",
      "data-type": { type: "string", length: 50 },
    }),
  );
  for (const t of sorted) {
    for (const c of t.excluded) {
      rules.push(
        rule(`remove-${tableId(t)}.${c.name}`, {
          "rule-type": "transformation",
          "rule-target": "column",
          "object-locator": { "schema-name": t.schema, "table-name": t.table, "column-name": c.name },
          "rule-action": "remove-column",
        }),
      );
    }
  }
  // DMS writes a TIME column as a Parquet TIME32 (user guide, "Target data types for S3 Parquet"), which Spark 3.5 cannot
  // read and which keeps only milliseconds. `change-data-type` to `string` makes DMS write the time's text instead
  // ("Transformation rules and actions": TIME converts from `HH:MM:SS`), fractional digits included.
  for (const t of sorted) {
    for (const c of t.columns.filter((x) => x.dmsType === "TIME")) {
      rules.push(
        rule(`time-as-string-${tableId(t)}.${c.name}`, {
          "rule-type": "transformation",
          "rule-target": "column",
          "object-locator": { "schema-name": t.schema, "table-name": t.table, "column-name": c.name },
          "rule-action": "change-data-type",
          "data-type": { type: "string", length: c.length ?? TIME_STRING_LENGTH },
        }),
      );
    }
  }
  const ids = new Map<string, string>();
  for (const r of rules) {
    const other = ids.get(r["rule-id"] as string);
    if (other !== undefined) throw new Error(`DMS rule ids collide: "${other}" and "${String(r["rule-name"])}"`);
    ids.set(r["rule-id"] as string, r["rule-name"] as string);
  }
  return { rules };
}

function rule(name: string, body: Rule): Rule {
  return { "rule-id": ruleId(name), "rule-name": name, ...body };
}

/** A positive 31-bit decimal id from the rule's name: stable across runs and independent of the other rules. */
export function ruleId(name: string): string {
  return String(parseInt(createHash("sha256").update(name).digest("hex").slice(0, 8), 16) & 0x7fffffff || 1);
}
