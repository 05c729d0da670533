import type { ColumnMetadata, TableMetadata } from "../../../../metadata/format";
import { tableShape } from "../../../../metadata/schema-diff";
import { checkSchemas, rebuildWork, schemaHoldAlert } from "../../../../handlers/core/poller/schema-hold";
import type { Work } from "../../../../handlers/core/poller/work";
import { emptyTargetState, parseTargetState, resumeTable, settleRun } from "../../../../handlers/core/poller/target-state";

const col = (name: string, extra: Partial<ColumnMetadata> = {}): ColumnMetadata => ({
  name,
  ordinal: 1,
  sourceType: "int",
  dmsType: "INT4",
  parquet: { physical: "INT32" },
  nullable: false,
  ...extra,
});
const table = (name: string, columns: ColumnMetadata[]): TableMetadata =>
  ({ schema: "dbo", table: name, primaryKey: ["Id"], columns, excluded: [] }) as unknown as TableMetadata;

const OLD = table("T", [col("Id"), col("Qty", { nullable: true })]);
const ADDED = table("T", [
  col("Id"),
  col("Qty", { nullable: true }),
  col("Note", { dmsType: "STRING", length: 40, nullable: true }),
]);
const PROMOTED = table("T", [col("Id"), col("Qty", { dmsType: "INT8", parquet: { physical: "INT64" }, nullable: true })]);
const DROPPED = table("T", [col("Id")]);
const OTHER = table("U", [col("Id")]);
const at = new Date("2026-12-03T10:00:00Z");
const H = "s3://harmonized/dbo/T";

/** A target whose run applied dbo.T (with OLD's shape) and dbo.U. */
function appliedState() {
  const { state } = settleRun(
    emptyTargetState("sales", "reporting"),
    {
      runId: "r1",
      manifestUri: "s3://lake/runs/sales/reporting/r1.json",
      tables: [
        { table: "dbo.T", files: [`${H}/LOAD00000001.parquet`], status: "applied", shape: tableShape(OLD) },
        { table: "dbo.U", files: ["s3://harmonized/dbo/U/LOAD00000001.parquet"], status: "applied", shape: tableShape(OTHER) },
      ],
    },
    at,
  );
  return state;
}

describe("the poller's schema check", () => {
  it("records the applied shape when a run is applied, and the state document keeps it", () => {
    const state = appliedState();
    expect(state.tables["dbo.T"].shape).toEqual(tableShape(OLD));
    expect(parseTargetState(JSON.stringify(state), "tables.json")).toEqual(state);
  });

  it("does nothing while the metadata has the applied shape, or for a table no run recorded a shape of", () => {
    const state = appliedState();
    const same = checkSchemas(state, [OLD, OTHER], at);
    expect(same).toEqual({ state, held: [], evolve: new Map() });
    const fresh = emptyTargetState("sales", "reporting");
    expect(checkSchemas(fresh, [DROPPED], at).held).toEqual([]);
  });

  it("carries a compatible change into the next run: the shape the targets have", () => {
    for (const meta of [ADDED, PROMOTED]) {
      const r = checkSchemas(appliedState(), [meta, OTHER], at);
      expect(r.held).toEqual([]);
      expect(r.evolve).toEqual(new Map([["dbo.T", tableShape(OLD)]]));
      // Nothing is written: the shape moves on only once the altering run is applied.
      expect(r.state).toEqual(appliedState());
    }
  });

  it("holds a table its targets cannot follow, naming each change, and leaves the other tables alone", () => {
    const r = checkSchemas(appliedState(), [DROPPED, OTHER], at);
    expect(r.evolve.size).toBe(0);
    expect(r.held).toEqual([
      {
        table: "dbo.T",
        hold: {
          since: at.toISOString(),
          files: [],
          error:
            "the deployed metadata changes dbo.T in a way its targets cannot follow: dbo.T: drop-column Qty INT4 (incompatible: a rename is a drop and an add)",
          schema: ["dbo.T: drop-column Qty INT4 (incompatible: a rename is a drop and an add)"],
        },
      },
    ]);
    expect(r.state.tables["dbo.T"].held).toEqual(r.held[0].hold);
    expect(r.state.tables["dbo.U"]).toEqual(appliedState().tables["dbo.U"]);
    // Once held, later checks leave it be (no second alert); the state parses with a hold that no run caused.
    expect(checkSchemas(r.state, [DROPPED, OTHER], at).held).toEqual([]);
    expect(parseTargetState(JSON.stringify(r.state), "tables.json")).toEqual(r.state);
  });

  it("after a resume, holds again while the metadata is still incompatible, and not once it is put back", () => {
    const held = checkSchemas(appliedState(), [DROPPED, OTHER], at).state;
    const resumed = resumeTable(held, "dbo.T", at);
    expect(checkSchemas(resumed, [DROPPED, OTHER], at).held.map((h) => h.table)).toEqual(["dbo.T"]);
    const back = checkSchemas(resumed, [OLD, OTHER], at);
    expect(back.held).toEqual([]);
    expect(back.evolve.size).toBe(0);
  });

  it("alerts with the changes and both ways out, the rebuild as the command", () => {
    const { held } = checkSchemas(appliedState(), [DROPPED, OTHER], at);
    const alert = schemaHoldAlert({ source: "sales", target: "reporting", lakeBucket: "lake", ...held[0] });
    expect(alert.subject).toBe("cdc: sales/reporting holds dbo.T (schema change)");
    const body = JSON.parse(alert.message) as Record<string, unknown>;
    expect(body).toMatchObject({
      kind: "schema-change-held",
      source: "sales",
      target: "reporting",
      table: "dbo.T",
      changes: held[0].hold.schema,
      command: "cdc target resume --lake-bucket lake --source sales --target reporting --table dbo.T --rebuild",
      reload: "cdc dms reload-table --stack <stack> --source sales --table dbo.T",
    });
    expect((body.text as string[]).join("\n")).toContain(
      "If the metadata is wrong, deploy the previous metadata and resume: cdc target resume --lake-bucket lake --source sales --target reporting --table dbo.T",
    );
  });

  it("a table waiting for its rebuild: its batch waits (messages as a held table's, files kept) until the reload starts it", () => {
    const waiting = appliedState();
    waiting.tables["dbo.T"] = { ...waiting.tables["dbo.T"], rebuild: { since: at.toISOString(), changes: ["x"] } };
    const message = (table: string) => ({
      messageId: table,
      receiptHandle: table,
      message: { schema: "dbo", table } as never,
    });
    const work: Work = {
      tables: [
        { meta: DROPPED, files: [`${H}/LOAD00000002.parquet`], etags: ["e"] },
        { meta: OTHER, files: ["s3://harmonized/dbo/U/1.parquet"], etags: ["u"] },
      ],
      files: 2,
      included: [message("T"), message("U")],
      heldMessages: [],
      heldFiles: new Map(),
      heldColumns: new Map(),
      periodic: false,
      sweptTables: ["dbo.T"],
      sweptFiles: 0,
    };
    const r = rebuildWork(work, waiting, [DROPPED, OTHER]);
    expect(r.waiting).toEqual(["dbo.T"]);
    expect(r.work.tables.map((t) => t.meta.table)).toEqual(["U"]);
    expect(r.work.included.map((m) => m.messageId)).toEqual(["U"]);
    expect(r.work.heldMessages.map((m) => m.messageId)).toEqual(["T"]);
    expect(r.work.heldFiles).toEqual(new Map([["dbo.T", [`${H}/LOAD00000002.parquet`]]]));
    // The resume's sweep stays on, so the files are found again.
    expect(r.work.sweptTables).toEqual([]);

    // The batch that starts the reload's generation rebuilds, from the shape the old tables have.
    const generation = { id: "e", at: "2026-12-03 10:00:00.000000", sweep: true, file: `${H}/LOAD00000001.parquet` };
    const starting = { ...work, tables: [{ ...work.tables[0], generation }, work.tables[1]] };
    const s = rebuildWork(starting, waiting, [DROPPED, OTHER]);
    expect(s.waiting).toEqual([]);
    expect(s.work.tables[0]).toMatchObject({ rebuild: true, applied: tableShape(OLD) });
    expect(s.work.included).toHaveLength(2);
  });
});
