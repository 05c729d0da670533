/**
 * `cdc dms status|stop|resume|reload-table`: the source's DMS task (`cdc-<env>-<source>`, components/dms-source.ts)
 * from the command line. Status shows the task's state, its CDC latency (CloudWatch AWS/DMS CDCLatencySource and
 * CDCLatencyTarget, the last 15 minutes) and each table's state and counters. Stop and resume refuse, in one line, a
 * task not in a state they apply to; resume continues from the last position (StartReplicationTask
 * `resume-processing`); reload-table has DMS load one table again (ReloadTables `data-reload`), which every target
 * then rebuilds as a new generation (handlers/core/poller/generations.ts).
 */
import { CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import {
  DatabaseMigrationServiceClient,
  DescribeReplicationInstancesCommand,
  ReloadTablesCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  type ReplicationTask,
} from "@aws-sdk/client-database-migration-service";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { Command } from "commander";
import * as fs from "node:fs";
import { DmsTaskNotFound, findTask, tableStatistics } from "../../../handlers/core/dms/task";
import { loadStackFile, stackFilePath } from "../../config-sources";
import type { StackConfig } from "../../config";
import { EXIT, UserError, type CliIo } from "../io";

export interface StackFlags {
  stack: string;
  source: string;
  dir: string;
  roleArn?: string;
  region?: string;
}

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };

/** The stack's config and the source's entry; one line naming the file or flag when either is not there. */
export function stackSource(flags: StackFlags): { config: StackConfig; source: StackConfig["sources"][number] } {
  const file = stackFilePath(flags.stack, flags.dir);
  if (!fs.existsSync(file)) throw new UserError(`${file}: no such stack file`, EXIT.usage);
  const config = loadStackFile(file);
  const source = config.sources.find((s) => s.name === flags.source);
  if (!source) throw new UserError(`--source ${flags.source}: not in ${file}`, EXIT.usage);
  return { config, source };
}

/** Credentials for `--role-arn` (the ingestion account's), else the SDK's own. */
export async function credentialsFor(flags: StackFlags, region: string, io: CliIo): Promise<Credentials | undefined> {
  if (!flags.roleArn) return undefined;
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(flags.roleArn))
    throw new UserError(
      `--role-arn: expected arn:aws:iam::<account>:role/<name>, got ${JSON.stringify(flags.roleArn)}`,
      EXIT.usage,
    );
  io.err(`assuming ${flags.roleArn}`);
  const out = await new STSClient({ region })
    .send(new AssumeRoleCommand({ RoleArn: flags.roleArn, RoleSessionName: "cdc-dms", DurationSeconds: 3600 }))
    .catch((err: Error) => {
      throw new UserError(`cannot assume ${flags.roleArn}: ${err.message}`);
    });
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new UserError(`cannot assume ${flags.roleArn}: STS returned no credentials`);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
}

/**
 * What AWS answered, as the one line a person can act on: an AWS SDK error (it carries `$metadata`: AccessDeniedFault,
 * InvalidResourceStateFault, …) or credentials the SDK could not find become `<ErrorName>: <message>`; a task DMS does
 * not have names the task, stack and region. Anything else is a bug and keeps its stack trace.
 */
export function awsUserError(err: unknown, where: { stack: string; region: string }): unknown {
  if (err instanceof UserError) return err;
  if (err instanceof DmsTaskNotFound)
    return new UserError(
      `DMS has no replication task ${err.taskId} (stack ${where.stack}, region ${where.region}); is the source deployed?`,
    );
  const e = err as { name?: string; message?: string; $metadata?: unknown };
  if (err instanceof Error && (e.$metadata !== undefined || e.name === "CredentialsProviderError"))
    return new UserError(`${e.name ?? "Error"}: ${(e.message ?? "").split("\n")[0]}`);
  return err;
}

/** Runs a command's action with AWS's answers turned into one line (awsUserError). */
export function withAwsErrors<F extends StackFlags>(action: (flags: F) => Promise<void>): (flags: F) => Promise<void> {
  return async (flags) => {
    try {
      await action(flags);
    } catch (err) {
      throw awsUserError(err, { stack: flags.stack, region: flags.region ?? stackRegion(flags) });
    }
  };
}

/** The stack's region, for messages (the stack file was read once already when this is called). */
const stackRegion = (flags: StackFlags) => {
  try {
    return stackSource(flags).config.region;
  } catch {
    return "unknown";
  }
};

/** The DMS task identifier of a source, as DmsSource names it. */
export const dmsTaskId = (environment: string, source: string) => `cdc-${environment}-${source}`;

export interface DmsCliClients {
  dms: DatabaseMigrationServiceClient;
  cloudwatch: CloudWatchClient;
}

export function registerDmsCommands(program: Command, io: CliIo): void {
  const make = (region: string, credentials?: Credentials): DmsCliClients => ({
    dms: new DatabaseMigrationServiceClient({ region, credentials }),
    cloudwatch: new CloudWatchClient({ region, credentials }),
  });
  const dms = program.command("dms").description("Show, stop, resume a source's DMS task, or reload one of its tables");
  const common = (cmd: Command) =>
    cmd
      .requiredOption("--stack <stack>", "stack name: Pulumi.<stack>.yaml names the environment and region")
      .requiredOption("--source <name>", "source name (cdc:sources[].name)")
      .option("-C, --dir <dir>", "project directory", ".")
      .option("--role-arn <arn>", "role to assume in the ingestion account")
      .option("--region <region>", "AWS region (default: the stack's)");
  const open = async (flags: StackFlags) => {
    const { config } = stackSource(flags);
    const region = flags.region ?? config.region;
    const c = make(region, await credentialsFor(flags, region, io));
    const id = dmsTaskId(config.environment, flags.source);
    const task = await findTask(c.dms, id).catch((err: unknown) => {
      throw awsUserError(err, { stack: flags.stack, region });
    });
    return { ...c, id, task, arn: task.ReplicationTaskArn as string };
  };

  common(dms.command("status"))
    .description("The task's state, CDC latency and each table's state and counters")
    .action(
      withAwsErrors(async (flags: StackFlags) => {
        const t = await open(flags);
        const latency = await cdcLatency(t.dms, t.cloudwatch, t.task);
        const tables = await tableStatistics(t.dms, t.arn);
        io.out(statusText(t.id, t.task, latency, tables));
      }),
    );

  common(dms.command("stop"))
    .description("Stop the running task (resume continues from where it stopped)")
    .action(
      withAwsErrors(async (flags: StackFlags) => {
        const t = await open(flags);
        if (t.task.Status !== "running")
          throw new UserError(`task ${t.id} is ${t.task.Status ?? "in an unknown state"}; stop applies only to a running task`);
        const r = await t.dms.send(new StopReplicationTaskCommand({ ReplicationTaskArn: t.arn }));
        io.out(
          `task ${t.id}: ${r.ReplicationTask?.Status ?? "stopping"}; resume with cdc dms resume --stack ${flags.stack} --source ${flags.source}`,
        );
      }),
    );

  common(dms.command("resume"))
    .description("Resume a stopped or failed task from its last position (resume-processing)")
    .action(
      withAwsErrors(async (flags: StackFlags) => {
        const t = await open(flags);
        if (t.task.Status !== "stopped" && t.task.Status !== "failed")
          throw new UserError(
            `task ${t.id} is ${t.task.Status ?? "in an unknown state"}; resume applies only to a stopped or failed task`,
          );
        const r = await t.dms.send(
          new StartReplicationTaskCommand({ ReplicationTaskArn: t.arn, StartReplicationTaskType: "resume-processing" }),
        );
        io.out(`task ${t.id}: ${r.ReplicationTask?.Status ?? "starting"}, continuing from its last position`);
      }),
    );

  common(dms.command("reload-table"))
    .description("Load one table again from the source: every target rebuilds it as a new generation")
    .requiredOption("--table <schema.table>", "the table to reload")
    .action(
      withAwsErrors(async (flags: StackFlags & { table: string }) => {
        const m = /^([^.]+)\.([^.]+)$/.exec(flags.table);
        if (!m) throw new UserError(`--table: expected schema.table, got ${JSON.stringify(flags.table)}`, EXIT.usage);
        const t = await open(flags);
        // DMS answers InvalidResourceStateFault otherwise: say so in our words first.
        if (t.task.Status !== "running")
          throw new UserError(
            `task ${t.id} is ${t.task.Status ?? "in an unknown state"}; DMS reloads tables only of a running task`,
          );
        const known = (await tableStatistics(t.dms, t.arn)).find(
          (s) => `${s.SchemaName}.${s.TableName}`.toLowerCase() === flags.table.toLowerCase(),
        );
        if (!known) throw new UserError(`--table ${flags.table}: task ${t.id} does not replicate it`, EXIT.usage);
        await t.dms.send(
          new ReloadTablesCommand({
            ReplicationTaskArn: t.arn,
            TablesToReload: [{ SchemaName: known.SchemaName, TableName: known.TableName }],
            ReloadOption: "data-reload",
          }),
        );
        const table = `${known.SchemaName}.${known.TableName}`;
        io.out(
          [
            `task ${t.id}: reloading ${table}. DMS writes its full load again from LOAD00000001.parquet;`,
            `each target starts a new generation of ${table} when that file is applied: the table is rebuilt from the`,
            `new load (rows it no longer has disappear) and CDC newer than the load still applies on top.`,
            `Follow it with: cdc dms status --stack ${flags.stack} --source ${flags.source}`,
          ].join("\n"),
        );
      }),
    );
}

export interface CdcLatency {
  source?: number;
  target?: number;
}

/**
 * The latest CDCLatencySource / CDCLatencyTarget (seconds, the last 15 minutes). DMS publishes them under the
 * replication instance's identifier and the task's resource id (the last part of its ARN).
 */
export async function cdcLatency(
  dms: DatabaseMigrationServiceClient,
  cloudwatch: CloudWatchClient,
  task: ReplicationTask,
  now = new Date(),
): Promise<CdcLatency> {
  const instances = await dms.send(
    new DescribeReplicationInstancesCommand({
      Filters: [{ Name: "replication-instance-arn", Values: [task.ReplicationInstanceArn ?? ""] }],
    }),
  );
  const instance = instances.ReplicationInstances?.[0]?.ReplicationInstanceIdentifier;
  const taskResource = task.ReplicationTaskArn?.split(":").pop();
  if (!instance || !taskResource) return {};
  const latest = async (metric: string) => {
    const r = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: "AWS/DMS",
        MetricName: metric,
        Dimensions: [
          { Name: "ReplicationInstanceIdentifier", Value: instance },
          { Name: "ReplicationTaskIdentifier", Value: taskResource },
        ],
        StartTime: new Date(now.getTime() - 15 * 60_000),
        EndTime: now,
        Period: 60,
        Statistics: ["Average"],
      }),
    );
    const last = [...(r.Datapoints ?? [])].sort((a, b) => (b.Timestamp?.getTime() ?? 0) - (a.Timestamp?.getTime() ?? 0))[0];
    return last?.Average;
  };
  return { source: await latest("CDCLatencySource"), target: await latest("CDCLatencyTarget") };
}

/** Columns padded to their widest cell. */
export function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

function statusText(
  id: string,
  task: ReplicationTask,
  latency: CdcLatency,
  tables: Awaited<ReturnType<typeof tableStatistics>>,
): string {
  const seconds = (v?: number) => (v === undefined ? "no data" : `${Math.round(v)} s`);
  const s = task.ReplicationTaskStats;
  const lines = [
    `task ${id}: ${task.Status ?? "unknown"}${task.StopReason ? ` (${task.StopReason})` : ""}`,
    ...(task.LastFailureMessage ? [`  last failure: ${task.LastFailureMessage}`] : []),
    `  started ${s?.StartDate?.toISOString() ?? "never"}${s?.StopDate ? `, stopped ${s.StopDate.toISOString()}` : ""}`,
    `  CDC latency: source ${seconds(latency.source)}, target ${seconds(latency.target)}`,
    "",
    textTable(
      ["TABLE", "STATE", "FULL LOAD", "INSERTS", "UPDATES", "DELETES", "LAST UPDATE"],
      tables.map((t) => [
        `${t.SchemaName}.${t.TableName}`,
        t.TableState ?? "",
        String(t.FullLoadRows ?? 0),
        String(t.Inserts ?? 0),
        String(t.Updates ?? 0),
        String(t.Deletes ?? 0),
        t.LastUpdateTime?.toISOString() ?? "",
      ]),
    ),
  ];
  return lines.join("\n");
}
