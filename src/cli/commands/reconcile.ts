/**
 * `cdc reconcile --stack <s> --source <n>`: the same reconciliation with DMS as the scheduled Lambda
 * (handlers/core/dms/reconcile-source.ts), printed as a table, per table and stage: what DMS counted, what the stage
 * holds, what is still in flight, and the difference. Exits 1 when any table drifts, so it can gate a script.
 * Unlike the Lambda it always checks the applied stage: it reads the lake bucket with the caller's credentials.
 * It reads the Lambda's ledger when it can (so it counts only what is new since the last scheduled run) and never
 * writes it; metadata tables DMS does not report are listed as not replicated.
 */
import { DatabaseMigrationServiceClient } from "@aws-sdk/client-database-migration-service";
import { S3Client } from "@aws-sdk/client-s3";
import type { Command } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { ledgerKey, parseLedger, type Ledger } from "../../../handlers/core/dms/ledger";
import { reconcileSource } from "../../../handlers/core/dms/reconcile-source";
import { s3StateReader } from "../../../handlers/lib/s3-state-reader";
import { tableId } from "../../../metadata/format";
import { readMetadataDir } from "../../../metadata/load";
import { bucketName } from "../../../metadata/naming";
import { EXIT, UserError, type CliIo } from "../io";
import { credentialsFor, dmsTaskId, stackSource, textTable, withAwsErrors, type StackFlags } from "./dms";

interface ReconcileFlags extends StackFlags {
  table: string[];
  json?: boolean;
  endpoint?: string;
  toleranceRows: string;
  applyGraceMinutes: string;
  staleMinutes: string;
  metadata?: string;
}

export function registerReconcileCommands(program: Command, io: CliIo): void {
  program
    .command("reconcile")
    .description("Compare DMS's table statistics with the rows raw, validation and every target hold")
    .requiredOption("--stack <stack>", "stack name: Pulumi.<stack>.yaml names the buckets, task and region")
    .requiredOption("--source <name>", "source name (cdc:sources[].name)")
    .option("--table <schema.table>", "only this table (repeatable)", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option("-C, --dir <dir>", "project directory", ".")
    .option("--role-arn <arn>", "role to assume (it must read DMS and both accounts' buckets)")
    .option("--region <region>", "AWS region (default: the stack's)")
    .option("--endpoint <url>", "S3-compatible endpoint for the buckets (local mode, tests)")
    .option("--tolerance-rows <n>", "differences up to this many rows are not drift", "0")
    .option("--apply-grace-minutes <n>", "a harmonized file younger than this is in flight to its targets", "120")
    .option("--stale-minutes <n>", "a raw file younger than this is in flight to validation", "60")
    .option("--metadata <dir>", "the source's metadata (default: <dir>/metadata/sources/<source>)")
    .option("--json", "the comparison as JSON")
    .action(
      withAwsErrors(async (flags: ReconcileFlags) => {
        const { config, source } = stackSource(flags);
        const region = flags.region ?? config.region;
        const count = (name: string, v: string) => {
          if (!/^\d+$/.test(v))
            throw new UserError(`--${name}: expected a whole number >= 0, got ${JSON.stringify(v)}`, EXIT.usage);
          return Number(v);
        };
        const drift = {
          now: new Date(),
          batchSeconds: source.dms.cdcMaxBatchIntervalSeconds,
          staleMinutes: count("stale-minutes", flags.staleMinutes),
          applyGraceMinutes: count("apply-grace-minutes", flags.applyGraceMinutes),
          toleranceRows: count("tolerance-rows", flags.toleranceRows),
        };
        for (const t of flags.table)
          if (!/^[^.]+\.[^.]+$/.test(t))
            throw new UserError(`--table: expected schema.table, got ${JSON.stringify(t)}`, EXIT.usage);
        const credentials = await credentialsFor(flags, region, io);
        const s3 = new S3Client({
          region,
          credentials,
          ...(flags.endpoint ? { endpoint: flags.endpoint, forcePathStyle: true } : {}),
        });
        const { ingestion, lake } = config.accounts;
        const name = (kind: "raw" | "quarantine" | "harmonized" | "lake" | "artifacts", account: string) =>
          bucketName(config.environment, source.name, kind, account);
        const metadataDir = flags.metadata ?? path.join(flags.dir, "metadata", "sources", source.name);
        if (flags.metadata && !fs.existsSync(flags.metadata))
          throw new UserError(`--metadata ${flags.metadata}: no such directory`, EXIT.usage);
        const metadataTables = fs.existsSync(metadataDir) ? readMetadataDir(metadataDir).tables.map(tableId) : undefined;
        if (!metadataTables) io.err(`no metadata at ${metadataDir}: tables DMS does not replicate are not checked`);
        const ledger = await readLedger(s3, name("artifacts", ingestion.accountId), source.name, io);
        io.err(`reconciling ${source.name} with DMS task ${dmsTaskId(config.environment, source.name)}`);
        const result = await reconcileSource(
          { dms: new DatabaseMigrationServiceClient({ region, credentials }), s3 },
          {
            source: source.name,
            taskId: dmsTaskId(config.environment, source.name),
            rawBucket: name("raw", ingestion.accountId),
            quarantineBucket: name("quarantine", ingestion.accountId),
            harmonizedBucket: name("harmonized", lake.accountId),
            targets: source.targets.map((t) => ({ name: t.name, tables: t.tables })),
            lake: s3StateReader(s3, name("lake", lake.accountId)),
            tables: flags.table.length > 0 ? flags.table : undefined,
            metadataTables,
          },
          drift,
          { ledger, concurrency: 16 },
        );
        if (flags.table.length > 0 && result.tables.length === 0 && result.notReplicated.length === 0)
          throw new UserError(`--table ${flags.table.join(", ")}: task ${result.taskId} does not replicate it`, EXIT.usage);
        if (flags.json) io.out(JSON.stringify(result, null, 2));
        else {
          io.out(`task ${result.taskId}: ${result.taskStatus}`);
          if (result.tables.length > 0)
            io.out(
              textTable(
                ["TABLE", "STAGE", "DMS", "FOUND", "IN FLIGHT", "MISSING", "", "NOTE"],
                result.tables.flatMap((t) =>
                  t.stages.map((s) => [
                    t.table,
                    s.stage,
                    String(s.expected),
                    String(s.found),
                    String(s.inFlight),
                    String(s.difference),
                    s.drift ? "DRIFT" : "ok",
                    s.note ?? "",
                  ]),
                ),
              ),
            );
          for (const t of result.notReplicated)
            io.out(`${t}: not replicated (in the metadata, but DMS does not report it: check the task's table mappings)`);
        }
        const drifting = result.tables.filter((t) => t.drift);
        if (drifting.length > 0)
          throw new UserError(
            `drift in ${drifting.length} table(s): ${drifting.map((t) => `${t.table} at ${t.drift?.stage} (${t.drift?.difference} rows)`).join(", ")}`,
          );
      }),
    );
}

/** The scheduled reconciler's ledger, read only; none (everything counted) when it cannot be read or used. */
async function readLedger(s3: S3Client, bucket: string, source: string, io: CliIo): Promise<Ledger | undefined> {
  const key = ledgerKey(source);
  const got = await s3StateReader(s3, bucket)
    .readVersioned(key)
    .catch((err: Error) => {
      io.err(`cannot read the ledger s3://${bucket}/${key} (${err.name}): counting every file`);
      return undefined;
    });
  if (!got) return undefined;
  const { ledger, rebuilt } = parseLedger(got.body);
  if (rebuilt) io.err(`ledger s3://${bucket}/${key} unusable (${rebuilt}): counting every file`);
  return rebuilt ? undefined : ledger;
}
