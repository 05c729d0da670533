/**
 * `cdc quarantine replay`: after the metadata has been fixed (the schema-drift loop), move quarantined files back to
 * the raw bucket, where their S3 notifications send them through validation again. Each file is copied, the copy
 * verified, and only then removed from quarantine, so an interrupted replay can simply be run again.
 */
import { ListObjectsV2Command, S3Client, type HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import type { Command } from "commander";
import { parseDmsKey } from "../../../handlers/core/dms-key";
import { copyVerified, deleteIfUnchanged, headObject } from "../../../handlers/lib/s3-objects";
import { loadStackFile, stackFilePath } from "../../config-sources";
import { bucketName } from "../../../metadata/naming";
import { EXIT, UserError, type CliIo } from "../io";
import * as fs from "node:fs";

interface ReplayFlags {
  stack: string;
  source: string;
  table: string[];
  dir: string;
  dryRun?: boolean;
  endpoint?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerQuarantineCommands(program: Command, io: CliIo): void {
  const quarantine = program.command("quarantine").description("Work with files validation has quarantined");
  quarantine
    .command("replay")
    .description("Move quarantined files back to raw so they are validated again (after fixing the metadata)")
    .requiredOption("--stack <stack>", "stack name (reads Pulumi.<stack>.yaml for environment, region and account)")
    .requiredOption("--source <name>", "source name (cdc:sources[].name)")
    .option("--table <schema.table>", "only files of this table (repeatable; default: all)", collect, [])
    .option("-C, --dir <dir>", "project directory", ".")
    .option("--dry-run", "list the files that would move, move nothing")
    .option("--endpoint <url>", "S3-compatible endpoint instead of AWS (local mode, tests); uses path-style addressing")
    .action(async (flags: ReplayFlags) => {
      const file = stackFilePath(flags.stack, flags.dir);
      if (!fs.existsSync(file)) throw new UserError(`${file}: no such stack file`, EXIT.usage);
      const config = loadStackFile(file);
      const source = config.sources.find((s) => s.name === flags.source);
      if (!source) {
        throw new UserError(
          `--source ${flags.source}: not in ${file} (sources: ${config.sources.map((s) => s.name).join(", ")})`,
          EXIT.usage,
        );
      }
      const tables = flags.table.map((t) => {
        if (!/^[^.]+\.[^.]+$/.test(t))
          throw new UserError(`--table: expected schema.table, received ${JSON.stringify(t)}`, EXIT.usage);
        return t.toLowerCase();
      });
      const account = config.accounts.ingestion.accountId;
      const quarantineBucket = bucketName(config.environment, source.name, "quarantine", account);
      const rawBucket = bucketName(config.environment, source.name, "raw", account);
      const s3 = new S3Client({
        region: config.region,
        ...(flags.endpoint ? { endpoint: flags.endpoint, forcePathStyle: true } : {}),
      });
      try {
        const keys = (await listKeys(s3, quarantineBucket)).filter((key) => {
          if (tables.length === 0) return true;
          const k = parseDmsKey(key);
          return k.ok && tables.includes(`${k.value.schema}.${k.value.table}`.toLowerCase());
        });
        io.err(
          `${keys.length} quarantined file(s) in s3://${quarantineBucket}${tables.length ? ` for ${tables.join(", ")}` : ""}`,
        );
        let moved = 0;
        for (const key of keys) {
          if (flags.dryRun) {
            io.out(`would replay s3://${quarantineBucket}/${key} → s3://${rawBucket}/${key}`);
            continue;
          }
          const outcome = await replayFile(s3, { bucket: quarantineBucket, key }, rawBucket);
          if (outcome === "gone") continue;
          moved++;
          io.out(
            `replayed s3://${quarantineBucket}/${key} → s3://${rawBucket}/${key}` +
              (outcome === "requarantined" ? " (validation has already rejected it again; it is back in quarantine)" : ""),
          );
          if (moved % 50 === 0) io.err(`${moved} of ${keys.length} replayed`);
        }
        if (!flags.dryRun) io.err(`replayed ${moved} file(s); validation picks them up from s3://${rawBucket}`);
      } finally {
        s3.destroy();
      }
    });
}

/**
 * Moves one quarantined file back to raw: copy, verify, then remove the quarantine object only if it is still the one
 * that was copied. The copy's S3 event can get the file validated and, if still bad, quarantined again under the same
 * key before this returns — same bytes, so the same ETag, which is why If-Match alone cannot tell the new quarantine
 * copy from the old one: the version id, modification time and metadata (`cdc-validated-at`) must match too.
 * `requarantined`: the file left quarantine and is back there; it is left alone.
 */
export async function replayFile(
  s3: S3Client,
  quarantined: { bucket: string; key: string },
  rawBucket: string,
): Promise<"replayed" | "requarantined" | "gone"> {
  const head = await headObject(s3, quarantined);
  if (!head) return "gone";
  const from = { ...quarantined, etag: head.ETag as string, size: head.ContentLength ?? 0 };
  await copyVerified(s3, from, { bucket: rawBucket, key: quarantined.key }, { "cdc-replayed-from": "quarantine" });
  const now = await headObject(s3, quarantined);
  if (!now) return "replayed";
  if (!sameObject(head, now)) return "requarantined";
  // The quarantine bucket is versioned: should validation still slip in here, this delete leaves it a noncurrent version.
  return (await deleteIfUnchanged(s3, from)) ? "replayed" : "requarantined";
}

function sameObject(a: HeadObjectCommandOutput, b: HeadObjectCommandOutput): boolean {
  const meta = (h: HeadObjectCommandOutput) => JSON.stringify(Object.entries(h.Metadata ?? {}).sort());
  return (
    a.ETag === b.ETag &&
    a.VersionId === b.VersionId &&
    a.LastModified?.getTime() === b.LastModified?.getTime() &&
    meta(a) === meta(b)
  );
}

async function listKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  try {
    do {
      const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      keys.push(...(r.Contents ?? []).map((o) => o.Key as string));
      token = r.NextContinuationToken;
    } while (token);
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchBucket")
      throw new UserError(`s3://${bucket}: no such bucket (is the stack deployed?)`);
    throw err;
  }
  return keys.sort();
}
