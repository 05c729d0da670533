/**
 * Schema changes on the poller's side (DESIGN §5 "Schema changes"): each table's state records the shape its targets
 * were last applied with, and every tick compares it with the deployed metadata.
 *
 *   same shape            nothing to do
 *   compatible change     the table's next run carries the ALTER statements before its batch (plan/schema-change.ts);
 *                         the shape in the state moves on once that run is applied, so the statements run once (and
 *                         are harmless when a retried manifest runs them again)
 *   incompatible change   the table is held before any file of the new shape reaches a target, with one alert naming
 *                         each change and the two ways out: put the metadata back (then `cdc target resume`), or
 *                         rebuild the targets from a reload (`cdc dms reload-table`, then `cdc target resume --rebuild`)
 *
 * The check is per tick, not per file: a deploy of new metadata holds the table at once, even before its next file.
 * A table whose state has no shape yet (a new table, or state written before schema evolution) has none to compare:
 * its targets are created from the metadata, and the first applied run records the shape.
 */
import { tableId, type TableMetadata } from "../../../metadata/format";
import { describeChange, diffTable, hasIncompatible, tableShape, type TableShape } from "../../../metadata/schema-diff";
import type { Logger } from "@aws-lambda-powertools/logger";
import { findTable } from "../../../metadata/load";
import type { ManifestTableInput } from "../plan/manifest";
import type { ReceivedFile } from "./batch";
import { oldShapeColumns, type Work } from "./work";
import type { Alerts } from "./settle";
import { updateTargetState, type LoadedState, type VersionedStore } from "./state-store";
import type { TableHold, TargetState } from "./target-state";

export interface SchemaCheck {
  state: TargetState;
  /** Tables held by this check, with their hold. */
  held: Array<{ table: string; hold: TableHold }>;
  /** Tables whose next run alters their targets first: the shape they were applied with, by table id. */
  evolve: Map<string, TableShape>;
}

/** Compares each table's applied shape with its metadata; holds the tables whose change the targets cannot follow. */
export function checkSchemas(state: TargetState, tables: readonly TableMetadata[], at: Date): SchemaCheck {
  const held: SchemaCheck["held"] = [];
  const evolve = new Map<string, TableShape>();
  let next = state;
  for (const meta of tables) {
    const id = tableId(meta);
    const ts = state.tables[id];
    if (!ts?.shape || ts.held || ts.rebuild) continue;
    const changes = diffTable(id, ts.shape, tableShape(meta));
    if (changes.length === 0) continue;
    if (!hasIncompatible(changes)) {
      evolve.set(id, ts.shape);
      continue;
    }
    const incompatible = changes.filter((c) => !c.compatible).map(describeChange);
    const hold: TableHold = {
      since: at.toISOString(),
      files: [],
      error: `the deployed metadata changes ${id} in a way its targets cannot follow: ${incompatible.join("; ")}`,
      schema: changes.map(describeChange),
    };
    next = { ...next, tables: { ...next.tables, [id]: { ...ts, held: hold, sweep: undefined } } };
    held.push({ table: id, hold });
  }
  return { state: next, held, evolve };
}

/**
 * The work of tables waiting for a rebuild (`cdc target resume --rebuild`): a table's batch that starts the reload's
 * generation rebuilds its targets first; any other batch of it waits (its files stay in harmonized and are found
 * again, as the resume's sweep stays on) — applying changes to tables about to be set aside would be lost work.
 */
export function rebuildWork(
  work: Work,
  state: TargetState,
  metadata: readonly TableMetadata[],
): { work: Work; waiting: string[] } {
  const waiting = new Set<string>();
  const tables: ManifestTableInput[] = [];
  for (const t of work.tables) {
    const id = tableId(t.meta);
    const ts = state.tables[id];
    if (!ts?.rebuild) tables.push(t);
    // The shape the old tables have: their tombstones are carried over when the key stays (rebuildStatements).
    else if (t.generation?.sweep) tables.push({ ...t, rebuild: true, ...(ts.shape && { applied: ts.shape }) });
    else waiting.add(id);
  }
  if (waiting.size === 0) return { work: { ...work, tables }, waiting: [] };
  const held = work.tables.filter((t) => waiting.has(tableId(t.meta)));
  // Their messages go as a held table's do: the files are in harmonized.
  const isWaiting = (m: ReceivedFile) => {
    const meta = m.message && findTable(metadata, m.message.schema, m.message.table);
    return meta !== undefined && waiting.has(tableId(meta));
  };
  return {
    work: {
      ...work,
      tables,
      included: work.included.filter((m) => !isWaiting(m)),
      heldMessages: [...work.heldMessages, ...work.included.filter(isWaiting)],
      // As a held table's: those that sort before the mark (a LOAD file) are kept as late files, not lost.
      heldFiles: new Map([...work.heldFiles, ...held.map((t) => [tableId(t.meta), t.files] as const)]),
      heldColumns: new Map([...work.heldColumns, ...held.map((t) => [tableId(t.meta), oldShapeColumns(t)] as const)]),
      sweptTables: work.sweptTables.filter((t) => !waiting.has(t)),
    },
    waiting: [...waiting],
  };
}

/**
 * Holds the tables whose deployed metadata their targets cannot follow (one alert each, once the write that holds it
 * has won, so a retried write never alerts twice) and returns the state with the shapes compatible changes start from.
 */
export async function holdIncompatibleSchemas(
  deps: {
    store: VersionedStore;
    alerts: Alerts;
    logger: Logger;
    source: string;
    target: string;
    lakeBucket: string;
    tables: readonly TableMetadata[];
    now: () => Date;
  },
  loaded: LoadedState,
): Promise<{ loaded: LoadedState; evolve: Map<string, TableShape> }> {
  let check: SchemaCheck | undefined;
  const next = await updateTargetState(
    deps.store,
    deps.source,
    deps.target,
    (s) => {
      check = checkSchemas(s, deps.tables, deps.now());
      return check.held.length > 0 ? check.state : undefined;
    },
    loaded,
  );
  for (const { table, hold } of check?.held ?? []) {
    deps.logger.error("table held: the deployed metadata changes it in a way its targets cannot follow", {
      table,
      changes: hold.schema,
    });
    const alert = schemaHoldAlert({ ...deps, table, hold });
    await deps.alerts.publish(alert.subject, alert.message);
  }
  for (const [table, shape] of check?.evolve ?? [])
    deps.logger.info("the next run alters the table's targets to the deployed metadata first", {
      table,
      from: shape.columns.length,
    });
  return { loaded: next, evolve: check?.evolve ?? new Map() };
}

/**
 * The alert of a schema hold: the changes, and the commands of both ways out. The alert contract's JSON
 * (`kind: "schema-change-held"`), indented, with its sentences in `text` for e-mail readers (see settle.ts `holdAlert`).
 */
export function schemaHoldAlert(a: { source: string; target: string; lakeBucket: string; table: string; hold: TableHold }): {
  subject: string;
  message: string;
} {
  const where = `--lake-bucket ${a.lakeBucket} --source ${a.source} --target ${a.target}`;
  const resume = `cdc target resume ${where} --table ${a.table}`;
  const reload = `cdc dms reload-table --stack <stack> --source ${a.source} --table ${a.table}`;
  const changes = a.hold.schema ?? [a.hold.error];
  const alert = {
    kind: "schema-change-held",
    source: a.source,
    target: a.target,
    table: a.table,
    changes,
    command: `${resume} --rebuild`,
    reload,
    status: `cdc target status ${where}`,
    text: [
      `Table ${a.table} of target ${a.source}/${a.target} is held: the deployed metadata changes it in a way the targets cannot follow.`,
      ...changes.map((c) => `  ${c}`),
      `No file of the new shape was applied; its files wait, in order; the target's other tables go on.`,
      `If the metadata is wrong, deploy the previous metadata and resume: ${resume}`,
      `If the source really changed, rebuild the targets from a new full load:`,
      `  1. ${reload}`,
      `  2. ${resume} --rebuild`,
      `The run that takes the reload's full load sets the old target tables aside (kept as <name>__before_<tag>:`,
      `renamed in MySQL, copied in Iceberg) and creates them with the new shape.`,
    ],
  };
  return {
    subject: `cdc: ${a.source}/${a.target} holds ${a.table} (schema change)`.slice(0, 100),
    message: JSON.stringify(alert, null, 2),
  };
}
