/**
 * The state document's optimistic concurrency on moto's S3. moto 5.0.11 ignores If-Match/If-None-Match on PutObject
 * (AWS S3 honours them), so the conflict is injected as S3 answers it: 412 PreconditionFailed.
 */
import { PutObjectCommand, S3ServiceException } from "@aws-sdk/client-s3";
import { s3VersionedStore } from "../../../../handlers/lib/s3-versioned-store";
import { loadTargetState, updateTargetState } from "../../../../handlers/core/poller/state-store";
import { resumeTable, settleRun } from "../../../../handlers/core/poller/target-state";
import { interceptSend } from "../../../support/intercept";
import { motoDescribe, useMoto } from "../../../support/moto";

const FILE = "s3://harmonized/dbo/T/20261122-010100000.parquet";
const at = new Date("2026-11-22T02:00:00Z");
const failedRun = (runId: string) => ({
  runId,
  manifestUri: `s3://lake/runs/sales/reporting/${runId}.json`,
  tables: [{ table: "dbo.T", files: [FILE], status: "failed" as const, error: "boom" }],
});

motoDescribe("target state in S3 with conditional writes", () => {
  const aws = useMoto();

  it("creates the document only if absent and updates it only if unchanged, retrying on the other writer's state", async () => {
    const lake = await aws().createBucket("lake-state");
    const puts: Array<{ IfMatch?: string; IfNoneMatch?: string }> = [];
    let injected = false;
    const s3 = interceptSend(aws().s3, async (command, send) => {
      if (command instanceof PutObjectCommand) {
        puts.push({ IfMatch: command.input.IfMatch, IfNoneMatch: command.input.IfNoneMatch });
        if (command.input.IfMatch && !injected) {
          // `cdc target resume` writes between the poller's read and its write; S3 refuses the poller's.
          injected = true;
          const store = s3VersionedStore(aws().s3, lake);
          await updateTargetState(store, "sales", "reporting", (s) => resumeTable(s, "dbo.T", at));
          throw new S3ServiceException({ name: "PreconditionFailed", $fault: "client", $metadata: { httpStatusCode: 412 } });
        }
      }
      return send(command);
    });
    const store = s3VersionedStore(s3, lake);

    const created = await updateTargetState(store, "sales", "reporting", (s) => settleRun(s, failedRun("r1"), at).state);
    expect(created.state.tables["dbo.T"].held).toBeDefined();
    expect(puts).toEqual([{ IfMatch: undefined, IfNoneMatch: "*" }]);

    // The poller settles a later run that applied the table; its first write loses to the resume and is redone on it.
    const applied = {
      runId: "r2",
      manifestUri: "s3://lake/runs/sales/reporting/r2.json",
      tables: [{ table: "dbo.T", files: [FILE], status: "applied" as const }],
    };
    const after = await updateTargetState(store, "sales", "reporting", (s) => settleRun(s, applied, at).state, created);
    const [lost, won] = puts.slice(1).map((p) => p.IfMatch);
    expect(puts).toHaveLength(3);
    expect(lost).toBe(created.etag);
    expect(won).not.toBe(created.etag);
    const stored = (await loadTargetState(store, "sales", "reporting")).state;
    expect(stored).toEqual(after.state);
    // Both writers' changes are there: the hold ended (resume), the table applied through the file (poller).
    expect(stored.tables["dbo.T"]).toMatchObject({ appliedThrough: FILE, resumedAt: at.toISOString(), sweep: true });
    expect(stored.tables["dbo.T"].held).toBeUndefined();
    expect(stored.settledThrough).toBe("r2");
  });

  it("hands back its own write's ETag, not that of a writer who lands right after it", async () => {
    const lake = await aws().createBucket("lake-after");
    const etags: string[] = [];
    let interleave = false;
    const s3 = interceptSend(aws().s3, async (command, send) => {
      const out = await send(command);
      if (command instanceof PutObjectCommand) {
        etags.push((out as { ETag: string }).ETag);
        if (interleave) {
          // `cdc target resume` writes the moment the poller's write is done.
          interleave = false;
          await updateTargetState(s3VersionedStore(aws().s3, lake), "sales", "reporting", (st) => resumeTable(st, "dbo.T", at));
        }
      }
      return out;
    });
    const store = s3VersionedStore(s3, lake);
    const created = await updateTargetState(store, "sales", "reporting", (st) => settleRun(st, failedRun("r1"), at).state);
    interleave = true;
    const noted = await updateTargetState(store, "sales", "reporting", (st) => ({ ...st, sweptAt: at.toISOString() }), created);
    // A read-back would have returned the resume's ETag, and the poller's next If-Match write would undo the resume.
    expect(noted.etag).toBe(etags[1]);
    expect((await loadTargetState(store, "sales", "reporting")).etag).not.toBe(noted.etag);
  });

  it("gives up with one line after losing every attempt", async () => {
    const lake = await aws().createBucket("lake-busy");
    const s3 = interceptSend(aws().s3, async (command, send) => {
      if (command instanceof PutObjectCommand)
        throw new S3ServiceException({ name: "PreconditionFailed", $fault: "client", $metadata: { httpStatusCode: 412 } });
      return send(command);
    });
    await expect(
      updateTargetState(s3VersionedStore(s3, lake), "sales", "reporting", (s) => settleRun(s, failedRun("r1"), at).state),
    ).rejects.toThrow("state/sales/reporting/tables.json: another writer changed it 5 times in a row; try again");
  });
});
