/**
 * The poller enabling the Glue table optimizers on each applied table: the Glue control plane through
 * aws-sdk-client-mock (CreateTableOptimizer and UpdateTableOptimizer answer an empty body; AlreadyExistsException and
 * EntityNotFoundException as Glue's API reference names them), the state in an in-memory versioned store.
 */
import {
  AlreadyExistsException,
  CreateTableOptimizerCommand,
  EntityNotFoundException,
  GlueClient,
  UpdateTableOptimizerCommand,
} from "@aws-sdk/client-glue";
import { Logger } from "@aws-lambda-powertools/logger";
import { mockClient } from "aws-sdk-client-mock";
import { DEFAULT_ICEBERG_SETTINGS } from "../../../../handlers/core/plan/iceberg-settings";
import { loadTargetState, type VersionedStore } from "../../../../handlers/core/poller/state-store";
import { enableTableOptimizers, optimizerFingerprint } from "../../../../handlers/core/poller/table-optimizers";
import { emptyTargetState, type TargetState } from "../../../../handlers/core/poller/target-state";
import { glueTableOptimizers } from "../../../../handlers/lib/glue-table-optimizers";
import type { TableMetadata } from "../../../../metadata/format";
import { EVERY_TYPE, NO_KEY } from "../plan/fixtures";

const ROLE = "arn:aws:iam::222222222222:role/cdc-dev-sales-reporting-optimizer";
const FILE = "s3://h/dbo/x/20260101-000000000.parquet";
const glue = mockClient(GlueClient);
const meta = (table: string, base: TableMetadata = EVERY_TYPE): TableMetadata => ({ ...base, table });

function memoryStore(initial: TargetState): VersionedStore & { body: () => TargetState } {
  let stored = { body: JSON.stringify(initial), etag: "1" };
  return {
    readVersioned: async () => stored,
    writeIfMatch: async (_key, body, etag) => {
      if (etag !== stored.etag) return undefined;
      stored = { body, etag: String(Number(stored.etag) + 1) };
      return stored.etag;
    },
    body: () => JSON.parse(stored.body) as TargetState,
  };
}

function stateWith(applied: string[], pending: string[] = []): TargetState {
  const s = emptyTargetState("sales", "reporting");
  for (const t of applied) s.tables[t] = { appliedThrough: FILE };
  for (const t of pending) s.tables[t] = {};
  return s;
}

async function tick(store: VersionedStore, tables: TableMetadata[], settings = DEFAULT_ICEBERG_SETTINGS, logger = new Logger()) {
  const loaded = await loadTargetState(store, "sales", "reporting");
  const deps = {
    optimizers: glueTableOptimizers(new GlueClient({ region: "eu-west-2" }), "222222222222"),
    store,
    logger,
    source: "sales",
    target: "reporting",
    database: "cdc_dev_sales_reporting",
    roleArn: ROLE,
    settings,
    tables,
  };
  return enableTableOptimizers(deps, loaded);
}

beforeEach(() => {
  glue.reset();
  glue.on(CreateTableOptimizerCommand).resolves({ $metadata: { httpStatusCode: 200 } });
  glue.on(UpdateTableOptimizerCommand).resolves({ $metadata: { httpStatusCode: 200 } });
});

describe("enabling the Glue table optimizers", () => {
  it("puts all three on an applied table and its tombstones, once, with the target's settings", async () => {
    const store = memoryStore(stateWith(["dbo.A"], ["dbo.B"]));
    const tables = [meta("A"), meta("B")];
    await tick(store, tables);

    const calls = glue.commandCalls(CreateTableOptimizerCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => `${c.TableName}/${c.Type}`)).toEqual([
      "dbo__a/compaction",
      "dbo__a/retention",
      "dbo__a/orphan_file_deletion",
      "dbo__a__tombstones/compaction",
      "dbo__a__tombstones/retention",
      "dbo__a__tombstones/orphan_file_deletion",
    ]);
    expect(calls[0]).toEqual({
      CatalogId: "222222222222",
      DatabaseName: "cdc_dev_sales_reporting",
      TableName: "dbo__a",
      Type: "compaction",
      TableOptimizerConfiguration: {
        roleArn: ROLE,
        enabled: true,
        compactionConfiguration: { icebergConfiguration: { strategy: "binpack", minInputFiles: 100, deleteFileThreshold: 1 } },
      },
    });
    expect(calls[1].TableOptimizerConfiguration).toEqual({
      roleArn: ROLE,
      enabled: true,
      retentionConfiguration: {
        icebergConfiguration: { snapshotRetentionPeriodInDays: 5, numberOfSnapshotsToRetain: 1, cleanExpiredFiles: true },
      },
    });
    expect(calls[2].TableOptimizerConfiguration).toEqual({
      roleArn: ROLE,
      enabled: true,
      orphanFileDeletionConfiguration: { icebergConfiguration: { orphanFileRetentionPeriodInDays: 3 } },
    });
    // Recorded for A only (B has not been applied: its table does not exist yet); the next tick calls nothing.
    expect(store.body().tables["dbo.A"].optimizers).toBe(optimizerFingerprint(DEFAULT_ICEBERG_SETTINGS, ROLE));
    expect(store.body().tables["dbo.B"].optimizers).toBeUndefined();
    glue.resetHistory();
    await tick(store, tables);
    expect(glue.calls()).toHaveLength(0);
  });

  it("updates optimizers that exist, and puts every table's again when a setting changes", async () => {
    const store = memoryStore(stateWith(["dbo.log"]));
    const tables = [meta("log", NO_KEY)];
    await tick(store, tables);
    expect(glue.commandCalls(CreateTableOptimizerCommand)).toHaveLength(3); // a change log has no tombstones

    glue.reset();
    glue
      .on(CreateTableOptimizerCommand)
      .rejects(new AlreadyExistsException({ message: "Table optimizer already exists", $metadata: {} }));
    glue.on(UpdateTableOptimizerCommand).resolves({ $metadata: { httpStatusCode: 200 } });
    const changed = { ...DEFAULT_ICEBERG_SETTINGS, compaction: false, snapshotRetentionDays: 2 };
    await tick(store, tables, changed);
    const updates = glue.commandCalls(UpdateTableOptimizerCommand).map((c) => c.args[0].input);
    expect(updates.map((u) => u.Type)).toEqual(["compaction", "retention", "orphan_file_deletion"]);
    expect(updates[0].TableOptimizerConfiguration?.enabled).toBe(false);
    expect(
      updates[1].TableOptimizerConfiguration?.retentionConfiguration?.icebergConfiguration?.snapshotRetentionPeriodInDays,
    ).toBe(2);
    expect(store.body().tables["dbo.log"].optimizers).toBe(optimizerFingerprint(changed, ROLE));
  });

  it("leaves a table missing from the catalog or refused for a later tick, and goes on with the others", async () => {
    const store = memoryStore(stateWith(["dbo.A", "dbo.B", "dbo.C"]));
    glue
      .on(CreateTableOptimizerCommand, { TableName: "dbo__a" })
      .rejects(new EntityNotFoundException({ message: "Table dbo__a not found.", $metadata: {} }));
    const denied = Object.assign(new Error("User is not authorized to perform: glue:CreateTableOptimizer"), {
      name: "AccessDeniedException",
    });
    glue.on(CreateTableOptimizerCommand, { TableName: "dbo__b" }).rejects(denied);
    const logger = new Logger();
    const warn = jest.spyOn(logger, "warn").mockImplementation(() => undefined);
    jest.spyOn(logger, "info").mockImplementation(() => undefined);

    await expect(tick(store, [meta("A"), meta("B"), meta("C")], DEFAULT_ICEBERG_SETTINGS, logger)).resolves.toBeDefined();
    const tables = store.body().tables;
    expect([tables["dbo.A"].optimizers, tables["dbo.B"].optimizers]).toEqual([undefined, undefined]);
    expect(tables["dbo.C"].optimizers).toBeDefined();
    expect(warn).toHaveBeenCalledWith("table optimizers not enabled; tried again next tick", {
      table: "dbo.B",
      error: denied.message,
    });
  });

  it("puts at most ten tables a tick, the rest on the next ones", async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `T${String(i).padStart(2, "0")}`);
    const store = memoryStore(stateWith(ids.map((t) => `dbo.${t}`)));
    const tables = ids.map((t) => meta(t));
    await tick(store, tables);
    expect(Object.values(store.body().tables).filter((t) => t.optimizers).length).toBe(10);
    await tick(store, tables);
    expect(Object.values(store.body().tables).every((t) => t.optimizers)).toBe(true);
  });
});
