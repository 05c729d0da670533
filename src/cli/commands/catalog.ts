/**
 * `cdc catalog sync`: describe a source's harmonized tables in the Glue Data Catalog from its committed metadata, so
 * Athena can query them. Safe to run on every deploy: an up-to-date catalog gets no write call.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { GlueClient } from "@aws-sdk/client-glue";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { Command } from "commander";
import { syncCatalog } from "../../../metadata/catalog-sync";
import { readMetadataDir } from "../../../metadata/load";
import { loadStackFile, stackFilePath } from "../../config-sources";
import { bucketName, catalogDatabaseName } from "../../../metadata/naming";
import { EXIT, UserError, type CliIo } from "../io";

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

interface SyncFlags {
  source: string;
  stack: string;
  dir: string;
  metadata?: string;
  prune?: boolean;
  roleArn?: string;
  dryRun?: boolean;
}

export function registerCatalogCommands(program: Command, io: CliIo): void {
  const catalog = program.command("catalog").description("Keep the Glue Data Catalog in line with the committed metadata");
  catalog
    .command("sync")
    .description("Create or update the Glue database and tables of a source's harmonized data")
    .requiredOption("--source <name>", "source name (cdc:sources[].name)")
    .requiredOption("--stack <stack>", "stack whose settings name the environment, region and lake account (Pulumi.<stack>.yaml)")
    .option("-C, --dir <dir>", "project directory", ".")
    .option("--metadata <dir>", "metadata directory (default: <dir>/metadata/sources/<source>)")
    .option("--prune", "delete catalog tables whose metadata is gone (default: only report them)")
    .option("--role-arn <arn>", "role to assume for a catalog in another account")
    .option("--dry-run", "print what would change without changing anything")
    .action(async (flags: SyncFlags) => {
      const file = stackFilePath(flags.stack, flags.dir);
      if (!fs.existsSync(file)) throw new UserError(`${file}: no such stack file`, EXIT.usage);
      if (flags.roleArn !== undefined && !ROLE_ARN.test(flags.roleArn)) {
        throw new UserError(
          `--role-arn: expected an IAM role ARN (arn:aws:iam::<account>:role/<name>), received ${JSON.stringify(flags.roleArn)}`,
          EXIT.usage,
        );
      }
      const stack = loadStackFile(file);
      const sourceConfig = stack.sources.find((s) => s.name === flags.source);
      if (sourceConfig === undefined) {
        throw new UserError(`${file}: no source named ${flags.source} (sources: ${stack.sources.map((s) => s.name).join(", ")})`);
      }
      const metadataDir = flags.metadata ?? path.join(flags.dir, "metadata", "sources", flags.source);
      const { source, tables } = readMetadataDir(metadataDir);
      if (source.source !== flags.source || source.engine !== sourceConfig.engine) {
        throw new UserError(
          `${path.join(metadataDir, "source.json")}: describes source ${source.source} (${source.engine}), but ${file} has ${flags.source} (${sourceConfig.engine})`,
        );
      }
      const lake = stack.accounts.lake.accountId;
      const database = catalogDatabaseName(stack.environment, flags.source);
      const harmonizedBucket = bucketName(stack.environment, flags.source, "harmonized", lake);
      const glue = new GlueClient({
        region: stack.region,
        credentials: flags.roleArn ? await assumeRole(flags.roleArn, stack.region, io) : undefined,
      });
      io.err(
        `${flags.dryRun ? "checking" : "syncing"} Glue database ${database} in account ${lake} (${stack.region}) from ${metadataDir}`,
      );
      const r = await syncCatalog({
        glue,
        catalogId: lake,
        database,
        harmonizedBucket,
        source,
        tables,
        prune: flags.prune,
        dryRun: flags.dryRun,
        progress: (line) => io.err(`  ${line}`),
      });
      const would = flags.dryRun ? "would be " : "";
      const count = (n: number, what: string) => `${n} ${what}`;
      io.out(
        `${database}: ${r.databaseCreated ? `database ${would}created; ` : ""}${count(r.created.length, `${would}created`)}, ` +
          `${count(r.updated.length, `${would}updated`)}, ${count(r.unchanged.length, "unchanged")}`,
      );
      for (const name of r.stale) {
        io.out(
          r.deleted.includes(name)
            ? `${database}.${name}: ${would}deleted (no metadata)`
            : `${database}.${name}: no metadata; left in place (--prune deletes it)`,
        );
      }
    });
}

async function assumeRole(roleArn: string, region: string, io: CliIo) {
  io.err(`assuming ${roleArn}`);
  const sts = new STSClient({ region });
  let out;
  try {
    out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "cdc-catalog-sync", DurationSeconds: 3600 }));
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
