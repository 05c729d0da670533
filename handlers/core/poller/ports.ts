/**
 * The poller's ports (tick.ts): what one tick needs from the outside world, small enough that the same tick runs on AWS
 * (handlers/poll.ts: SQS, S3, SNS, Glue) and in local mode (moto and an in-process runner), and its settings and
 * outcomes.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import type { TableMetadata } from "../../../metadata/format";
import type { MySqlFlavor } from "../plan/dialect";
import type { IcebergSettings } from "../plan/iceberg-settings";
import type { ReceivedFile } from "./batch";
import type { PollMetrics } from "./run-metrics";
import type { Alerts } from "./settle";
import type { VersionedStore } from "./state-store";
import type { TableOptimizers } from "./table-optimizers";
import type { HarmonizedListing } from "./work";

/** The target's SQS queue. */
export interface TargetQueue {
  /** Up to `max` (≤ 10) messages, hidden from other consumers until deleted or released. */
  receive(max: number): Promise<ReceivedFile[]>;
  delete(files: readonly ReceivedFile[]): Promise<void>;
  /** Makes messages visible again at once. */
  release(files: readonly ReceivedFile[]): Promise<void>;
}

/** The lake bucket, where manifests, markers, the checkpoint and the target's state live. */
export interface RunStore extends VersionedStore {
  /** Keys under `prefix`, sorted, after `startAfter` when given. */
  list(prefix: string, startAfter?: string): Promise<string[]>;
  /** The object's text, or undefined when absent. */
  read(key: string): Promise<string | undefined>;
  /** Writes the object and confirms it is readable with the written size before returning. */
  writeDurably(key: string, body: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** `s3://bucket/key`. */
  uri(key: string): string;
}

/** A recent run of the target's job. */
export interface JobRunInfo {
  id: string;
  /** Starting, running, waiting or stopping: the run still occupies the target. */
  active: boolean;
  /** Ended without success (failed, error, timeout, stopped). */
  failed: boolean;
  /** Its `--manifest` argument. */
  manifestUri?: string;
  /** Its `--manifest_sha256` argument: the hash the poller took when it first started the manifest. */
  manifestSha256?: string;
  /** Why it failed (Glue's ErrorMessage), for a failed run. */
  error?: string;
  /** When it ended, its Glue time and billed DPU-hours, for the run metrics (run-metrics.ts). */
  completedAt?: string;
  executionSeconds?: number;
  dpuHours?: number;
}

/** The target's Glue job (one job per target, at most one concurrent run). */
export interface JobRuns {
  /** The job's recent runs (Glue: the newest page of GetJobRuns). */
  recent(): Promise<JobRunInfo[]>;
  /**
   * Starts a run on the manifest, passing the SHA-256 of its bytes: the job refuses a manifest that hashes otherwise.
   * `started: false` when the job refused it because a run is already going.
   */
  start(
    manifestUri: string,
    manifestSha256: string,
  ): Promise<{ started: true; jobRunId: string } | { started: false; reason: string }>;
}

export interface PollSettings {
  source: string;
  target: string;
  /** The lake bucket of the manifests and the state (named in alerts, for the resume command). */
  lakeBucket: string;
  /** Where validated files are: searched for files no run applied. */
  harmonizedBucket: string;
  /** Glue catalog and database of the Iceberg tables: `["glue_catalog", "cdc_dev_sales"]`. */
  sparkNamespace: string[];
  /** The target's MySQL-compatible server, or false when it has no MySQL database. */
  mysql: MySqlFlavor | false;
  tombstoneRetentionDays: number;
  /** The target's Iceberg write properties and maintenance (default: the engines' own, see iceberg-settings.ts). */
  iceberg?: IcebergSettings;
  /** The role Glue runs the target's table optimizers with; without it the poller enables none (local mode). */
  optimizerRoleArn?: string;
  /** Most files one run takes, messages and swept files together (default 500). */
  maxMessages?: number;
  /** How old a finished run must be before the checkpoint moves past it (default one hour). */
  checkpointSettleMs?: number;
  /**
   * Failed runs of one manifest after which one alert says the target's run is failing (default 3). The manifest is
   * still re-submitted, with backoff (`runRetryBaseMs`, `runRetryMaxMs`), and the target takes no new work past it —
   * a batch is never skipped. A run only fails as a whole when its job dies; a table whose statements fail is held on
   * its own (settle.ts).
   */
  maxAttempts?: number;
  /** The wait before the second re-submission of a failing run; doubled each time after (default 5 minutes). */
  runRetryBaseMs?: number;
  /** The longest wait between two re-submissions of a failing run (default one hour). */
  runRetryMaxMs?: number;
  /**
   * How many times a table held on a transient error (S3, network, memory, a lost MySQL connection, as the job marks
   * it) is resumed by the poller itself before it waits for `cdc target resume` and alerts (default 3; 0: never).
   * The waits are those of failing runs: `runRetryBaseMs`, doubled each time, at most `runRetryMaxMs`.
   */
  transientRetries?: number;
  /** How often every table's harmonized prefix is searched for files no run applied (default one hour). */
  sweepIntervalMs?: number;
  /** Files younger than this are left to their own message by the periodic sweep (default 15 minutes). */
  sweepMinAgeMs?: number;
}

export interface PollDeps {
  queue: TargetQueue;
  store: RunStore;
  runs: JobRuns;
  harmonized: HarmonizedListing;
  alerts: Alerts;
  tables: readonly TableMetadata[];
  settings: PollSettings;
  logger: Logger;
  now?: () => Date;
  /** Run id suffix (default: random). */
  suffix?: () => string;
  /** Where the settled runs' measurements go (commit to target, Glue time and DPU-hours); none when absent. */
  metrics?: PollMetrics;
  /** The Glue catalog's table optimizers, enabled on each table once applied (table-optimizers.ts); none when absent. */
  optimizers?: TableOptimizers;
}

export type PollResult =
  | { outcome: "busy"; activeRuns: string[] }
  | { outcome: "blocked"; runId: string; manifestUri: string; failedRuns: string[] }
  /** The pending run failed as a whole; it is re-submitted at `retryAt`. */
  | { outcome: "waiting"; runId: string; manifestUri: string; failedRuns: string[]; retryAt: string }
  | { outcome: "resubmitted"; runId: string; manifestUri: string; jobRunId: string }
  | { outcome: "idle" }
  | { outcome: "deferred"; runId: string; reason: string }
  | {
      outcome: "started";
      runId: string;
      manifestUri: string;
      jobRunId: string;
      tables: number;
      files: number;
      messages: number;
      /** Files found in harmonized, not announced by a message this tick. */
      swept: number;
    };
