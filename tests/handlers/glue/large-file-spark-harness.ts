/**
 * The large-file job's round trip on local Spark, for validate_large_file.spark.test.ts: raw files on moto's S3 through
 * the validate Lambda, each job the Lambda starts run with the job's own code on the test file's Spark session, the
 * answers handed back to the Lambda; and each outcome compared with the Lambda's own rules on the same bytes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { GlueClient, StartJobRunCommand } from "@aws-sdk/client-glue";
import type { AwsClientStub } from "aws-sdk-client-mock";
import { parseLargeFileResult } from "../../../handlers/core/messages";
import { largeFileVerdict, unreadableLargeFileVerdict } from "../../../handlers/core/validation/large-file-checks";
import { validateLocalFile } from "../../../handlers/core/validation/validate-object";
import type { ValidationResult } from "../../../handlers/core/validation";
import { largeFileChecksFor } from "../../../handlers/lib/validated-move";
import type { TableMetadata } from "../../../metadata/format";
import { SparkJobError } from "../../../src/local/spark/spark-session";
import { motoOn } from "../../support/moto";
import type { LocalGlue } from "../../support/spark";
import { createPipeline, handlerFor, lambdaContext, notifications, sqsEvent } from "../validate-harness";

export const JOB_NAME = "cdc-dev-sales-validate-large";

/** A file as DMS would put it in raw: its key and where its bytes are (`…/<key>`, so validateLocalFile sees the key). */
export interface RawFile {
  key: string;
  file: string;
}

/** What a verdict says, in a form both paths give: violations as `CODE column` → offending rows. */
export interface Verdict {
  valid: boolean;
  rowCount: number;
  minSeq: string | null;
  maxSeq: string | null;
  violations: Record<string, number>;
}

/** How one file went through the Lambda and the job. */
export interface Outcome {
  /**
   * The verdict of the job's row, as the Lambda derives it (or why it could not); absent when the Lambda decided from
   * the footer alone.
   */
  job?: Verdict | string;
  /** The job run failed with this error: it sent nothing. */
  jobFailed?: string;
  /** Where the Lambda moved the file. */
  landed: "harmonized" | "quarantined" | "raw";
  /** The fan-out message (harmonized) or alert (quarantined) the Lambda sent for it. */
  sent?: Record<string, unknown>;
}

/** `CODE column` → rows, from violation messages `column <name>: <n> …` (both paths write the count first). */
export function violations(errors: ReadonlyArray<{ code: string; message: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of errors) {
    const m = /^column (.+?): (\d+) /.exec(e.message);
    const k = m ? `${e.code} ${m[1]}` : `${e.code} ${e.message}`;
    out[k] = (out[k] ?? 0) + (m ? Number(m[2]) : 1);
  }
  // In one order, whichever order the violations came in.
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function verdictOf(r: Pick<ValidationResult, "errors" | "rowCount" | "minSeq" | "maxSeq">): Verdict {
  return {
    valid: r.errors.length === 0,
    rowCount: r.rowCount,
    minSeq: r.minSeq,
    maxSeq: r.maxSeq,
    violations: violations(r.errors),
  };
}

/** The round trip and the comparison, over the test file's Spark session, Glue API mock and temporary directory. */
export function largeFileHarness(glue: () => LocalGlue, glueApi: AwsClientStub<GlueClient>, dir: string) {
  /** Writes `bytes` as raw file `key` under a directory of its own. */
  function rawFile(group: string, key: string, bytes: Uint8Array): RawFile {
    const file = path.join(dir, group, ...key.split("/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
    return { key, file };
  }

  /**
   * Puts the files in a fresh raw bucket, lets the validate Lambda take their notifications (every file without
   * statistics goes to the job: largeFileBytes 1), runs each job it started on Spark, hands the messages that arrived
   * on the validation queue back to the Lambda, and says how each file ended.
   */
  async function throughLambdaAndJob(files: RawFile[], tables: TableMetadata[]): Promise<Map<string, Outcome>> {
    const aws = motoOn(glue().moto);
    try {
      const p = await createPipeline(aws);
      p.settings.largeFileBytes = 1;
      glueApi.reset();
      glueApi.on(StartJobRunCommand).resolves({ JobRunId: "jr_1" });
      const handler = handlerFor(aws, p, tables, {
        largeFileJob: { glue: new GlueClient({ region: "eu-west-2" }), jobName: JOB_NAME },
      });
      for (const f of files) await aws.putObject(p.raw, f.key, fs.readFileSync(f.file));
      expect((await handler(await notifications(aws, p), lambdaContext)).batchItemFailures).toEqual([]);

      const outcomes = new Map<string, Outcome>();
      const sent: Array<Record<string, unknown>> = [];
      const failedRuns = new Map<string, string>();
      for (const [i, call] of glueApi.commandCalls(StartJobRunCommand).entries()) {
        const input = call.args[0].input;
        expect(input.JobName).toBe(JOB_NAME);
        // As Glue runs the script: its own arguments and bare flags around the run's and the deployment's.
        const argv = [
          "validate_large_file.py",
          "--JOB_ID",
          "j_1",
          "--JOB_RUN_ID",
          `jr_${i + 1}`,
          "--enable-metrics",
          "--job-bookmark-option",
          "job-bookmark-disable",
          ...Object.entries(input.Arguments ?? {}).flat(),
          "--result_queue_url",
          p.validationQueueUrl,
          "--enable-continuous-cloudwatch-log",
        ];
        try {
          sent.push((await glue().spark.job("validate_large_file", argv)) as Record<string, unknown>);
        } catch (err) {
          // The Glue run fails (and alerts); the file waits in raw.
          if (!(err instanceof SparkJobError)) throw err;
          failedRuns.set(input.Arguments?.["--key"] ?? "", err.message);
        }
      }
      const results = await aws.drainQueue(p.validationQueueUrl);
      // What the job returned is what arrived on the queue.
      const byKey = (messages: Array<Record<string, unknown>>) =>
        [...messages].sort((a, b) => (String(a.key) < String(b.key) ? -1 : 1));
      expect(byKey(results.map((b) => JSON.parse(b) as Record<string, unknown>))).toEqual(byKey(sent));
      for (const body of results) {
        const message = parseLargeFileResult(body);
        const checks = largeFileChecksFor(tables, message.table, message.fileKind, message);
        if (!checks) throw new Error(`no checks for ${message.table}`);
        let job: Verdict | string;
        try {
          job = verdictOf(
            message.unreadable !== undefined
              ? unreadableLargeFileVerdict(message.key, message.unreadable)
              : largeFileVerdict(checks, message.row),
          );
        } catch (err) {
          job = (err as Error).message;
        }
        outcomes.set(message.key, { job, landed: "raw" });
      }
      // A result the Lambda cannot turn into a verdict fails its record (retried, then dead-lettered): the file stays.
      await handler(sqsEvent(results), lambdaContext);

      const harmonized = new Set(await aws.listKeys(p.settings.harmonizedBucket));
      const quarantined = new Set(await aws.listKeys(p.settings.quarantineBucket));
      const fanOut = (await aws.drainQueue(p.settings.fanOutQueueUrl)).map((b) => JSON.parse(b) as Record<string, unknown>);
      const alerts = (await aws.drainQueue(p.alertQueueUrl)).map((b) => {
        const envelope = JSON.parse(b) as { Message?: string };
        return JSON.parse(envelope.Message ?? b) as Record<string, unknown>;
      });
      for (const f of files) {
        const failed = failedRuns.get(f.key);
        const o = outcomes.get(f.key) ?? { landed: "raw", ...(failed !== undefined ? { jobFailed: failed } : {}) };
        o.landed = harmonized.has(f.key) ? "harmonized" : quarantined.has(f.key) ? "quarantined" : "raw";
        o.sent = [...fanOut, ...alerts].find((m) => m.key === f.key);
        outcomes.set(f.key, o);
      }
      return outcomes;
    } finally {
      aws.destroy();
    }
  }

  /**
   * Each file's outcome against the Lambda's own rules on the same bytes; returns one line per disagreement (so a
   * failure lists every file that disagrees, not just the first).
   */
  async function disagreements(files: RawFile[], tables: TableMetadata[], outcomes: Map<string, Outcome>) {
    const problems: string[] = [];
    for (const f of files) {
      const own = await validateLocalFile(f.file, tables);
      const expected = verdictOf(own);
      const o = outcomes.get(f.key) as Outcome;
      const say = (what: string, got: unknown, want: unknown) =>
        problems.push(`${f.key}: ${what} ${JSON.stringify(got)}, the Lambda's own rules say ${JSON.stringify(want)}`);
      if (o.job && JSON.stringify(o.job) !== JSON.stringify(expected)) say("job's verdict", o.job, expected);
      const landed = expected.valid ? "harmonized" : "quarantined";
      if (o.landed !== landed) say("landed in", o.landed, landed);
      if (o.landed === "harmonized") {
        const m = o.sent ?? {};
        const got = { rowCount: m.rowCount, minSeq: m.minSeq, maxSeq: m.maxSeq };
        const want = { rowCount: own.rowCount, minSeq: own.minSeq, maxSeq: own.maxSeq };
        if (JSON.stringify(got) !== JSON.stringify(want)) say("announced", got, want);
      } else if (o.landed === "quarantined") {
        const got = violations((o.sent?.errors ?? []) as Array<{ code: string; message: string }>);
        if (JSON.stringify(got) !== JSON.stringify(expected.violations)) say("alerted", got, expected.violations);
      }
    }
    return problems;
  }

  return { rawFile, throughLambdaAndJob, disagreements };
}
