import { formatAlert } from "../../../../handlers/core/notify/format";
import { runFailureAlert } from "../../../../handlers/core/poller/run-failure";
import { holdAlert } from "../../../../handlers/core/poller/settle";
import { schemaHoldAlert } from "../../../../handlers/core/poller/schema-hold";
import { readMessage, readRecord, sourceOfTopic } from "../../../../handlers/core/notify/incoming";
import { sectionText } from "../../../../handlers/core/notify/posts";
import { ageAlarm, DMS_TASK_STOPPED, dlqAlarm, GLUE_RUN_FAILED, snsEnvelope, VALIDATION_FAILED } from "./shapes";

const shown = (message: unknown, subject?: string) =>
  sectionText(formatAlert(readRecord("r1", snsEnvelope(message, { subject })), { stack: "dev" }));

describe("reading what arrives on the notifier's queue", () => {
  it("tells the three shapes apart, and keeps anything else as text", () => {
    expect(readMessage(JSON.stringify(dlqAlarm())).shape).toBe("alarm");
    expect(readMessage(JSON.stringify(DMS_TASK_STOPPED)).shape).toBe("event");
    expect(readMessage(JSON.stringify(VALIDATION_FAILED)).shape).toBe("cdc");
    expect(readMessage("Table dbo.X is held")).toEqual({ shape: "text", text: "Table dbo.X is held" });
    expect(readMessage('{"no":"kind"}').shape).toBe("text");
  });

  it("reads the SNS envelope's topic, subject and id, and the source from the topic's name", () => {
    const r = readRecord("r1", snsEnvelope("hi", { id: "n-1", subject: "cdc: hello" }));
    expect(r).toMatchObject({ recordId: "r1", notificationId: "n-1", subject: "cdc: hello", source: "sales" });
    expect(sourceOfTopic("arn:aws:sns:eu-west-2:1:cdc-prod-order-history-alerts")).toBe("order-history");
    expect(sourceOfTopic("arn:aws:sns:eu-west-2:1:somebody-elses")).toBeUndefined();
  });

  it("takes a body that is not an SNS envelope as the message itself", () => {
    expect(readRecord("r2", JSON.stringify(VALIDATION_FAILED)).body.shape).toBe("cdc");
    expect(readRecord("r3", "not json at all").body).toEqual({ shape: "text", text: "not json at all" });
  });
});

describe("one Slack section per alert kind", () => {
  it("validation failure: file, table, codes with counts, and the replay command with the stack filled in", () => {
    const text = shown(VALIDATION_FAILED);
    expect(text).toContain("*sales: file quarantined (dbo.Customer)*");
    expect(text).toContain("s3://cdc-dev-sales-quarantine-111111111111/dbo/Customer/20261203-101500123.parquet");
    expect(text).toContain("BAD_OP ×2, NULL_PRIMARY_KEY (57 violations, 3 shown)");
    expect(text).toContain("`cdc quarantine replay --stack dev --source sales --table dbo.Customer`");
  });

  it("DMS task state change: event, reason, and the status command", () => {
    const text = shown(DMS_TASK_STOPPED);
    expect(text).toContain(":rotating_light: *sales: DMS Replication Task State Change: REPLICATION_TASK_STOPPED*");
    expect(text).toContain("Stop Reason RECOVERABLE_ERROR");
    expect(text).toContain("`cdc dms status --stack dev --source sales`");
  });

  it("Glue run failed: job, run id, error, and the target's status command", () => {
    const text = shown(GLUE_RUN_FAILED);
    expect(text).toContain("*Glue run failed: cdc-dev-sales-reporting-apply*");
    expect(text).toContain(GLUE_RUN_FAILED.detail.jobRunId);
    expect(text).toContain("Command failed with exit code 1");
    expect(text).toContain("`cdc target status --stack dev --source sales --target reporting`");
  });

  it("dead letters: the queue, the alarm's advice, and the redrive; resolved when the alarm returns to OK", () => {
    const text = shown(dlqAlarm());
    expect(text).toContain("*Dead letters in cdc-dev-sales-validated-dlq*");
    expect(text).toContain("Inspect, fix, then redrive.");
    expect(text).toContain(
      "`aws sqs start-message-move-task --source-arn arn:aws:sqs:eu-west-2:111111111111:cdc-dev-sales-validated-dlq`",
    );
    // The validation queue refuses redrives: no such command for it.
    expect(shown(dlqAlarm("cdc-dev-sales-validate"))).not.toContain("start-message-move-task");
    expect(shown(dlqAlarm("cdc-dev-sales-validated", "OK"))).toMatch(/^:white_check_mark: \*cdc-dev-sales-validated-dlq: OK\*/);
  });

  it("queue age: the queue and the target's status command", () => {
    const text = shown(ageAlarm());
    expect(text).toContain("*Messages waiting too long in cdc-dev-sales-reporting*");
    expect(text).toContain("`cdc target status --stack dev --source sales --target reporting`");
  });

  it("table held and run failing, as the poller publishes them", () => {
    const held = shown({
      kind: "table-held",
      source: "sales",
      target: "reporting",
      table: "dbo.Invoice",
      file: "s3://h/dbo/Invoice/1.parquet",
      error: "Duplicate entry '7' for key 'PRIMARY'",
      command: "cdc target resume --lake-bucket lake --source sales --target reporting --table dbo.Invoice",
    });
    expect(held).toContain("*sales/reporting: table dbo.Invoice held*");
    expect(held).toContain("Duplicate entry '7' for key 'PRIMARY'");
    expect(held).toContain("`cdc target resume --lake-bucket lake --source sales --target reporting --table dbo.Invoice`");
    const failing = shown({ kind: "run-failing", source: "sales", target: "reporting", runId: "r-000004", failures: 3 });
    expect(failing).toContain("*sales/reporting: run r-000004 failing*");
  });

  it("reads the poller's own held-table and failing-run alerts (the contract both sides keep)", () => {
    const hold = {
      runId: "r-000007",
      file: "s3://h/dbo/Invoice/2.parquet",
      files: ["s3://h/dbo/Invoice/2.parquet"],
      error: 'bad "value"',
      since: "2026-12-03T10:00:00.000Z",
    };
    const held = holdAlert({
      source: "sales",
      target: "reporting",
      lakeBucket: "lake",
      table: "dbo.Invoice",
      hold: hold as never,
    });
    const text = shown(held.message, held.subject);
    expect(text).toContain("*sales/reporting: table dbo.Invoice held*");
    expect(text).toContain('*Error:* bad "value"');
    expect(text).toContain("`cdc target resume --lake-bucket lake --source sales --target reporting --table dbo.Invoice`");
    const failure = {
      runId: "r-000008",
      manifestUri: "s3://lake/runs/r-000008.json",
      failures: 3,
      cleared: 0,
      since: "2026-12-03T09:00:00.000Z",
      error: "Communications link failure",
      retryAt: "2026-12-03T10:20:00.000Z",
    };
    const failing = runFailureAlert({ source: "sales", target: "reporting", lakeBucket: "lake", failure: failure as never });
    const f = shown(failing.message, failing.subject);
    expect(f).toContain("*sales/reporting: run r-000008 failing*");
    expect(f).toContain("*Failures:* 3 since 2026-12-03T09:00:00.000Z");
    expect(f).toContain("`cdc target resume --lake-bucket lake --source sales --target reporting --run`");
  });

  it("reads the poller's schema-change hold: each change, both ways out, the rebuild command", () => {
    const alert = schemaHoldAlert({
      source: "sales",
      target: "reporting",
      lakeBucket: "lake",
      table: "dbo.Invoice",
      hold: {
        since: "2026-12-03T10:00:00.000Z",
        files: [],
        error: "the deployed metadata changes dbo.Invoice …",
        schema: ["dbo.Invoice: drop-column Note WSTRING(40) (incompatible)", "dbo.Invoice: add-column DueOn DATE (compatible)"],
      },
    });
    const text = shown(alert.message, alert.subject);
    expect(text).toContain("*sales/reporting: table dbo.Invoice held (schema change)*");
    expect(text).toContain("*Change:* dbo.Invoice: drop-column Note WSTRING(40) (incompatible)");
    expect(text).toContain("*Change:* dbo.Invoice: add-column DueOn DATE (compatible)");
    expect(text).toContain("*Source changed:* cdc dms reload-table --stack dev --source sales --table dbo.Invoice");
    expect(text).toContain(
      "`cdc target resume --lake-bucket lake --source sales --target reporting --table dbo.Invoice --rebuild`",
    );
  });

  it("reconciliation drift: table, stage and the numbers of each side", () => {
    const text = shown({
      kind: "reconciliation-drift",
      source: "sales",
      table: "dbo.Customer",
      stage: "applied:reporting",
      dms: { inserts: 120, updates: 30 },
      pipeline: { inserts: 100, updates: 30 },
      inFlight: { files: 0 },
      difference: 20,
      command: "cdc reconcile --stack <stack> --source sales",
    });
    expect(text).toContain("*sales: dbo.Customer drifts at applied:reporting*");
    expect(text).toContain("*DMS:* inserts 120, updates 30");
    expect(text).toContain("*Pipeline:* inserts 100, updates 30");
    expect(text).toContain("*Difference:* 20");
    expect(text).toContain("`cdc reconcile --stack dev --source sales`");
  });

  it("anything else stays readable: an unknown kind's fields, a text message's subject and body, escaped", () => {
    const other = shown({ kind: "raw-files-requeued", source: "sales", count: 3, keys: ["a", "b"] });
    expect(other).toContain("*sales: raw files requeued*");
    expect(other).toContain('*keys:* ["a","b"]');
    const text = shown("x < y & z", "cdc: something");
    expect(text).toContain("*cdc: something*");
    expect(text).toContain("x &lt; y &amp; z");
  });
});
