/**
 * `cdc target status|resume` on a stored state document (moto S3): a run failing as a whole and a table held on a
 * transient error are shown; `resume` with no table ends the run's backoff, and says plainly when there is nothing to
 * resume. (The poller's side of both is proven end to end in tests/handlers/poll-failures*.test.ts and
 * tests/handlers/core/poller/transient-holds.test.ts.)
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { targetStateSchema, type TargetState } from "../../../../handlers/core/poller/target-state";
import { MOTO_CREDENTIALS, MOTO_REGION } from "../../../../src/local/glue-env/moto";
import { motoDescribe, useMoto } from "../../../support/moto";
import { cdc } from "../../../support/cli";

const KEY = "state/sales/reporting/tables.json";
const RUN = "20261122T010000000Z-aaaaaa";

const failing: TargetState = {
  version: 1,
  target: "sales/reporting",
  run: {
    runId: RUN,
    manifestUri: `s3://lake/runs/sales/reporting/${RUN}.json`,
    since: "2026-11-22T01:05:00.000Z",
    failures: 3,
    cleared: 0,
    lastFailedAt: "2026-11-22T01:20:00.000Z",
    error: "Py4JJavaError: Communications link failure",
    retryAt: "2026-11-22T01:30:00.000Z",
    alertedAt: "2026-11-22T01:20:00.000Z",
  },
  tables: {
    "dbo.T": {
      appliedThrough: "s3://harmonized/dbo/T/LOAD00000001.parquet",
      autoRetries: 1,
      held: {
        since: "2026-11-22T01:00:00.000Z",
        runId: "20261122T005000000Z-bbbbbb",
        manifestUri: "s3://lake/runs/sales/reporting/20261122T005000000Z-bbbbbb.json",
        files: ["s3://harmonized/dbo/T/20261122-010000000.parquet"],
        file: "s3://harmonized/dbo/T/20261122-010000000.parquet",
        error: "org.apache.spark.SparkException: Job aborted [cause: java.net.SocketTimeoutException: Read timed out]",
        transient: true,
        retryAt: "2026-11-22T01:10:00.000Z",
      },
    },
  },
};

motoDescribe("cdc target status|resume: runs failing as a whole, transient holds", () => {
  const aws = useMoto();
  const env = { ...process.env };
  afterAll(() => {
    process.env = env;
  });
  const where = () => [
    "--lake-bucket",
    "lake",
    "--source",
    "sales",
    "--target",
    "reporting",
    "--endpoint",
    aws().endpoint,
    "--region",
    MOTO_REGION,
  ];
  const store = (state: TargetState) =>
    aws().s3.send(new PutObjectCommand({ Bucket: "lake", Key: KEY, Body: JSON.stringify(state) }));
  const stored = async () => targetStateSchema.parse(JSON.parse(new TextDecoder().decode(await aws().getObject("lake", KEY))));

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    await aws().createBucket("lake");
  });

  it("shows the failing run and the transient hold", async () => {
    await store(failing);
    const r = await cdc("target", "status", ...where());
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      `target sales/reporting (s3://lake/${KEY})`,
      `  RUN FAILING: run ${RUN} failed as a whole 3 times since 2026-11-22T01:05:00.000Z; no table is held,`,
      "    the target takes no new work until it succeeds; next retry at 2026-11-22T01:30:00.000Z (alerted 2026-11-22T01:20:00.000Z)",
      `    manifest: s3://lake/runs/sales/reporting/${RUN}.json`,
      "    error: Py4JJavaError: Communications link failure",
      "    after fixing the cause, to retry at once: cdc target resume --lake-bucket lake --source sales --target reporting --run",
      "  dbo.T: HELD since 2026-11-22T01:00:00.000Z (run 20261122T005000000Z-bbbbbb), applied through s3://harmonized/dbo/T/LOAD00000001.parquet",
      "    file:  s3://harmonized/dbo/T/20261122-010000000.parquet",
      "    error: org.apache.spark.SparkException: Job aborted [cause: java.net.SocketTimeoutException: Read timed out]",
      "    transient: the poller resumes it by itself at 2026-11-22T01:10:00.000Z (automatic retry 2)",
      "    after fixing the cause: cdc target resume --lake-bucket lake --source sales --target reporting --table dbo.T",
    ]);
  });

  it("resume with no table ends the failing run's backoff and leaves the held table held", async () => {
    await store(failing);
    const r = await cdc("target", "resume", ...where());
    expect(r).toEqual({ code: 0, stdout: `run ${RUN} of sales/reporting: the poller's next tick starts it again`, stderr: "" });
    const s = await stored();
    expect(s.run).toMatchObject({ failures: 3, cleared: 3 });
    expect(s.run?.alertedAt).toBeUndefined();
    expect(Date.parse(s.run?.retryAt ?? "")).toBeGreaterThan(Date.parse("2026-11-22T01:30:00.000Z"));
    expect(s.tables["dbo.T"].held).toBeDefined();
  });

  it("--all ends the holds and the failing run; a resume clears the table's automatic retries", async () => {
    await store(failing);
    const r = await cdc("target", "resume", ...where(), "--all");
    expect(r.stdout.split("\n")).toEqual([
      "resumed dbo.T: the poller's next tick applies its files after its mark, in order",
      `run ${RUN} of sales/reporting: the poller's next tick starts it again`,
    ]);
    const s = await stored();
    expect(s.tables["dbo.T"].held).toBeUndefined();
    expect(s.tables["dbo.T"].autoRetries).toBeUndefined();
    expect(s.run?.cleared).toBe(3);
  });

  it("says plainly when there is nothing to resume", async () => {
    const { run: _run, ...noRun } = failing;
    await store({ ...noRun, tables: {} });
    expect(await cdc("target", "resume", ...where())).toMatchObject({
      code: 2,
      stderr: "cdc: resume: give --table <schema.table> or --all (held: none); no run of sales/reporting is failing",
    });
    expect(await cdc("target", "resume", ...where(), "--run")).toMatchObject({
      code: 1,
      stderr: "cdc: no run of sales/reporting is failing",
    });
  });
});
