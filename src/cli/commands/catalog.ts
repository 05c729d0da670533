/**
 * `cdc catalog sync`: describe a source's harmonized tables in the Glue Data Catalog from its committed metadata, so
 * Athena can query them. Safe to run on every deploy: an up-to-date catalog gets no write call. The deploy workflow
 * runs it for every source of the stack after `pulumi up` (`--aws-role deploy`), and the pull-request preview runs it
 * with `--dry-run --aws-role preview`: read calls only, each table's change printed for the PR comment.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { GlueClient } from "@aws-sdk/client-glue";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { Command } from "commander";
import { syncCatalog, type CatalogSyncResult } from "../../../metadata/catalog-sync";
import { readMetadataDir } from "../../../metadata/load";
import type { AccountConfig, SourceConfig } from "../../config";
import { loadStackFile, stackFilePath } from "../../config-sources";
import { bucketName, catalogDatabaseName } from "../../../metadata/naming";
import { EXIT, UserError, type CliIo } from "../io";

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

interface SyncFlags {
  source?: string;
  stack: string;
  dir: string;
  metadata?: string;
  prune?: boolean;
  roleArn?: string;
  awsRole?: string;
  dryRun?: boolean;
}

/** The role to act as in the lake account: an ARN given, or the stack file's deploy or preview role there. */
interface Assume {
  roleArn: string;
  externalId?: string;
}

export function registerCatalogCommands(program: Command, io: CliIo): void {
  const catalog = program.command("catalog").description("Keep the Glue Data Catalog in line with the committed metadata");
  catalog
    .command("sync")
    .description("Create or update the Glue database and tables of a source's harmonized data")
    .option("--source <name>", "source name (cdc:sources[].name); default: every source of the stack")
    .requiredOption("--stack <stack>", "stack whose settings name the environment, region and lake account (Pulumi.<stack>.yaml)")
    .option("-C, --dir <dir>", "project directory", ".")
    .option("--metadata <dir>", "metadata directory (default: <dir>/metadata/sources/<source>)")
    .option("--prune", "delete catalog tables whose metadata is gone (default: only report them)")
    .option("--role-arn <arn>", "role to assume for a catalog in another account")
    .option(
      "--aws-role <role>",
      "assume the stack file's deploy or preview role of the lake account (deploy | preview), as the program's providers do",
    )
    .option("--dry-run", "print what would change, table by table, with read calls only")
    .action(async (flags: SyncFlags) => {
      const file = stackFilePath(flags.stack, flags.dir);
      if (!fs.existsSync(file)) throw new UserError(`${file}: no such stack file`, EXIT.usage);
      if (flags.roleArn !== undefined && !ROLE_ARN.test(flags.roleArn)) {
        throw new UserError(
          `--role-arn: expected an IAM role ARN (arn:aws:iam::<account>:role/<name>), received ${JSON.stringify(flags.roleArn)}`,
          EXIT.usage,
        );
      }
      if (flags.awsRole !== undefined && flags.awsRole !== "deploy" && flags.awsRole !== "preview") {
        throw new UserError(`--aws-role: expected deploy or preview, received ${JSON.stringify(flags.awsRole)}`, EXIT.usage);
      }
      if (flags.awsRole !== undefined && flags.roleArn !== undefined) {
        throw new UserError("--aws-role and --role-arn: give one of them, not both", EXIT.usage);
      }
      if (flags.awsRole === "preview" && !flags.dryRun) {
        throw new UserError("--aws-role preview: the preview roles are read-only; add --dry-run", EXIT.usage);
      }
      if (flags.metadata !== undefined && flags.source === undefined) {
        throw new UserError("--metadata: names one source's metadata; add --source", EXIT.usage);
      }
      const stack = loadStackFile(file);
      const sources = flags.source === undefined ? stack.sources : stack.sources.filter((s) => s.name === flags.source);
      if (sources.length === 0) {
        throw new UserError(`${file}: no source named ${flags.source} (sources: ${stack.sources.map((s) => s.name).join(", ")})`);
      }
      const lake = stack.accounts.lake;
      const assume = flags.roleArn !== undefined ? { roleArn: flags.roleArn } : lakeRole(lake, flags.awsRole);
      const glue = new GlueClient({
        region: stack.region,
        credentials: assume ? await assumeRole(assume, stack.region, io) : undefined,
      });
      for (const sourceConfig of sources) {
        const metadataDir = flags.metadata ?? path.join(flags.dir, "metadata", "sources", sourceConfig.name);
        await syncSource(
          glue,
          io,
          flags,
          { file, environment: stack.environment, region: stack.region, lake: lake.accountId },
          sourceConfig,
          metadataDir,
        );
      }
    });
}

/** The lake account's role for `awsRole`, with the external id its trust policy requires when the stack sets one. */
function lakeRole(lake: AccountConfig, awsRole: string | undefined): Assume | undefined {
  if (awsRole === undefined) return undefined;
  return { roleArn: awsRole === "preview" ? lake.previewRoleArn : lake.deployRoleArn, externalId: lake.externalId };
}

async function syncSource(
  glue: GlueClient,
  io: CliIo,
  flags: SyncFlags,
  stack: { file: string; environment: string; region: string; lake: string },
  sourceConfig: SourceConfig,
  metadataDir: string,
): Promise<void> {
  const { source, tables } = readMetadataDir(metadataDir);
  if (source.source !== sourceConfig.name || source.engine !== sourceConfig.engine) {
    throw new UserError(
      `${path.join(metadataDir, "source.json")}: describes source ${source.source} (${source.engine}), but ${stack.file} has ${sourceConfig.name} (${sourceConfig.engine})`,
    );
  }
  const database = catalogDatabaseName(stack.environment, sourceConfig.name);
  io.err(
    `${flags.dryRun ? "checking" : "syncing"} Glue database ${database} in account ${stack.lake} (${stack.region}) from ${metadataDir}`,
  );
  const r = await syncCatalog({
    glue,
    catalogId: stack.lake,
    database,
    harmonizedBucket: bucketName(stack.environment, sourceConfig.name, "harmonized", stack.lake),
    source,
    tables,
    prune: flags.prune,
    dryRun: flags.dryRun,
    progress: (line) => io.err(`  ${line}`),
  });
  for (const line of report(database, r, flags.dryRun === true)) io.out(line);
}

/**
 * The outcome, one line a table that changes or would: a summary, then (in a dry run, the plan a reviewer reads)
 * each created and updated table with its column changes, and the unchanged ones by name; stale tables always.
 */
export function report(database: string, r: CatalogSyncResult, dryRun: boolean): string[] {
  const would = dryRun ? "would be " : "";
  const lines = [
    `${database}: ${r.databaseCreated ? `database ${would}created; ` : ""}${r.created.length} ${would}created, ` +
      `${r.updated.length} ${would}updated, ${r.unchanged.length} unchanged`,
  ];
  if (dryRun) {
    for (const name of r.created) lines.push(`${database}.${name}: would be created`);
    for (const u of r.updated) {
      lines.push(`${database}.${u.table}: would be updated (${u.changes.join(", ")})`);
      for (const c of u.columns) lines.push(`    ${c}`);
    }
    if (r.unchanged.length > 0) lines.push(`${database} unchanged: ${[...r.unchanged].sort().join(", ")}`);
  }
  for (const name of r.stale) {
    lines.push(
      r.deleted.includes(name)
        ? `${database}.${name}: ${would}deleted (no metadata)`
        : `${database}.${name}: no metadata; left in place (--prune deletes it)`,
    );
  }
  return lines;
}

async function assumeRole({ roleArn, externalId }: Assume, region: string, io: CliIo) {
  io.err(`assuming ${roleArn}`);
  const sts = new STSClient({ region });
  let out;
  try {
    out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: "cdc-catalog-sync",
        DurationSeconds: 3600,
        ExternalId: externalId,
      }),
    );
  } catch (err) {
    throw new UserError(`cannot assume ${roleArn}: ${(err as Error).message}`);
  }
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new UserError(`cannot assume ${roleArn}: STS returned no credentials`);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
}
