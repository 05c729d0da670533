/**
 * `cdc target status|resume`: shows and ends the holds of a target's tables (DESIGN §5 "Failures are per table").
 * The poller holds a table whose statements failed, in the target's state document in the lake bucket
 * (`state/<source>/<target>/tables.json`, handlers/core/poller/target-state.ts); `resume` clears the hold with the
 * same conditional write the poller uses, and the poller's next tick takes every file of the table after its mark, in
 * order. Fix the cause first (replace the file in harmonized, the metadata, or the target's column), or the table is
 * held again by the next run.
 *
 * A run that fails as a whole (its job died: no table at fault) holds no table; the poller retries it with backoff
 * (handlers/core/poller/run-failure.ts). `status` shows it, and `resume --run` (or `resume` with no table while one is
 * failing) has the next tick retry it at once, counting its failures afresh.
 */
import { S3Client } from "@aws-sdk/client-s3";
import type { Command } from "commander";
import { s3VersionedStore } from "../../../handlers/lib/s3-versioned-store";
import { loadTargetState, updateTargetState } from "../../../handlers/core/poller/state-store";
import { resumeTable, targetStateKey, type TargetState } from "../../../handlers/core/poller/target-state";
import { clearRunFailure } from "../../../handlers/core/poller/run-failure";
import { loadStackFile, stackFilePath } from "../../config-sources";
import { bucketName } from "../../../metadata/naming";
import { EXIT, UserError, type CliIo } from "../io";
import * as fs from "node:fs";

interface TargetFlags {
  lakeBucket?: string;
  stack?: string;
  dir: string;
  source: string;
  target: string;
  region?: string;
  endpoint?: string;
}

export function registerTargetCommands(program: Command, io: CliIo): void {
  const target = program.command("target").description("Show and end the holds of a target's tables");
  const common = (cmd: Command) =>
    cmd
      .requiredOption("--source <name>", "source name (cdc:sources[].name)")
      .requiredOption("--target <name>", "target name (cdc:sources[].targets[].name)")
      .option("--lake-bucket <bucket>", "the lake bucket (default: from --stack)")
      .option("--stack <stack>", "stack name: the lake bucket and region from Pulumi.<stack>.yaml")
      .option("-C, --dir <dir>", "project directory (with --stack)", ".")
      .option("--region <region>", "AWS region (default: the stack's, else the AWS SDK's)")
      .option("--endpoint <url>", "S3-compatible endpoint instead of AWS (local mode, tests); uses path-style addressing");

  common(target.command("status"))
    .description("Each table's progress: applied up to which file, and holds (since when, which file, why)")
    .option("--json", "the state document as JSON")
    .action(async (flags: TargetFlags & { json?: boolean }) => {
      const where = locate(flags);
      const { state } = await loadTargetState(s3VersionedStore(where.s3, where.bucket), flags.source, flags.target);
      if (flags.json) return io.out(JSON.stringify(state, null, 2));
      io.out(describe(state, where.bucket, flags));
    });

  common(target.command("resume"))
    .description(
      "End the hold of a table after fixing its cause (its waiting files are applied in order next); with --run, or no " +
        "table, retry a run failing as a whole at once",
    )
    .option("--table <schema.table>", "the held table", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option("--all", "every held table of the target, and the failing run if there is one")
    .option("--run", "retry the target's failing run at the next tick instead of after its backoff")
    .option(
      "--rebuild",
      "for a table held on a schema change its targets cannot follow: rebuild them from the reload's full load " +
        "(run `cdc dms reload-table` too); the old tables are kept as <name>__before_g<reload ETag>",
    )
    .action(async (flags: TargetFlags & { table: string[]; all?: boolean; run?: boolean; rebuild?: boolean }) => {
      const where = locate(flags);
      const store = s3VersionedStore(where.s3, where.bucket);
      const name = `${flags.source}/${flags.target}`;
      let resumed: string[] = [];
      let run: string | undefined;
      await updateTargetState(store, flags.source, flags.target, (state) => {
        const at = new Date();
        const held = Object.keys(state.tables).filter((t) => state.tables[t].held);
        const noTable = flags.table.length === 0 && !flags.all;
        // With no table named, `resume` means the failing run: the only thing that can stop a target besides holds.
        if (noTable && !flags.run && !state.run)
          throw new UserError(
            `resume: give --table <schema.table> or --all (held: ${held.join(", ") || "none"}); no run of ${name} is failing`,
            EXIT.usage,
          );
        if (flags.run && !state.run) throw new UserError(`no run of ${name} is failing`);
        const wanted = flags.all ? held : flags.table.map((t) => canonicalTable(state, t));
        for (const t of wanted)
          if (!state.tables[t]?.held) throw new UserError(`${t} is not held on ${name} (held: ${held.join(", ") || "none"})`);
        if (flags.rebuild)
          for (const t of wanted)
            if (!state.tables[t].held?.schema)
              throw new UserError(`--rebuild: ${t} is held on a failed run, not on a schema change; resume it without --rebuild`);
        resumed = wanted;
        let next = wanted.reduce((s, t) => resumeTable(s, t, at), state);
        if (flags.rebuild)
          for (const t of wanted) {
            const rebuild = { since: at.toISOString(), changes: state.tables[t].held?.schema ?? [] };
            next = { ...next, tables: { ...next.tables, [t]: { ...next.tables[t], rebuild } } };
          }
        run = undefined;
        if (state.run && (flags.run || flags.all || noTable)) {
          next = { ...next, run: clearRunFailure(state.run, at) };
          run = state.run.runId;
        }
        return next === state ? undefined : next;
      });
      if (resumed.length === 0 && run === undefined) io.out(`no table of ${name} is held`);
      for (const t of resumed)
        io.out(
          flags.rebuild
            ? `resumed ${t} for a rebuild: its files wait for the reload's full load (cdc dms reload-table); that run sets its target tables aside and creates them anew`
            : `resumed ${t}: the poller's next tick applies its files after its mark, in order`,
        );
      if (run !== undefined) io.out(`run ${run} of ${name}: the poller's next tick starts it again`);
    });
}

/** The table id as the state spells it, matched case-insensitively (DMS and the metadata keep the source's case). */
function canonicalTable(state: TargetState, table: string): string {
  if (!/^[^.]+\.[^.]+$/.test(table))
    throw new UserError(`--table: expected schema.table, got ${JSON.stringify(table)}`, EXIT.usage);
  return Object.keys(state.tables).find((t) => t.toLowerCase() === table.toLowerCase()) ?? table;
}

function locate(flags: TargetFlags): { s3: S3Client; bucket: string } {
  let bucket = flags.lakeBucket;
  let region = flags.region;
  if (!bucket) {
    if (!flags.stack) throw new UserError("give --lake-bucket <bucket> or --stack <stack>", EXIT.usage);
    const file = stackFilePath(flags.stack, flags.dir);
    if (!fs.existsSync(file)) throw new UserError(`${file}: no such stack file`, EXIT.usage);
    const config = loadStackFile(file);
    if (!config.sources.some((s) => s.name === flags.source))
      throw new UserError(`--source ${flags.source}: not in ${file}`, EXIT.usage);
    bucket = bucketName(config.environment, flags.source, "lake", config.accounts.lake.accountId);
    region ??= config.region;
  }
  const s3 = new S3Client({
    ...(region ? { region } : {}),
    ...(flags.endpoint ? { endpoint: flags.endpoint, forcePathStyle: true } : {}),
  });
  return { s3, bucket };
}

function describe(state: TargetState, bucket: string, flags: TargetFlags): string {
  const lines = [`target ${state.target} (s3://${bucket}/${targetStateKey(flags.source, flags.target)})`];
  const run = state.run;
  if (run) {
    const flag = `--lake-bucket ${bucket} --source ${flags.source} --target ${flags.target}`;
    lines.push(
      `  RUN FAILING: run ${run.runId} failed as a whole ${run.failures} times since ${run.since}; no table is held,`,
      `    the target takes no new work until it succeeds; next retry at ${run.retryAt}${run.alertedAt ? ` (alerted ${run.alertedAt})` : ""}`,
      `    manifest: ${run.manifestUri}`,
      `    error: ${run.error}`,
      `    after fixing the cause, to retry at once: cdc target resume ${flag} --run`,
    );
  }
  const tables = Object.keys(state.tables).sort();
  if (tables.length === 0) lines.push("  no table has been applied yet");
  for (const t of tables) {
    const s = state.tables[t];
    const through = s.appliedThrough ? `applied through ${s.appliedThrough}` : "nothing applied yet";
    if (!s.held) {
      lines.push(
        s.rebuild
          ? `  ${t}: REBUILD PENDING since ${s.rebuild.since}, ${through}; its files wait for the reload's full load (cdc dms reload-table)`
          : `  ${t}: ok, ${through}${s.sweep ? " (resumed; its waiting files go into the next run)" : ""}`,
        ...(s.rebuilt
          ? [`    rebuilt ${s.rebuilt.at} by run ${s.rebuilt.runId}; the old tables are kept as ${s.rebuilt.backups.join(", ")}`]
          : []),
      );
      continue;
    }
    const resume = `cdc target resume --lake-bucket ${bucket} --source ${flags.source} --target ${flags.target} --table ${t}`;
    if (s.held.schema) {
      lines.push(
        `  ${t}: HELD since ${s.held.since} (schema change), ${through}`,
        ...s.held.schema.map((c) => `    schema: ${c}`),
        `    if the metadata is wrong, deploy it back, then: ${resume}`,
        `    if the source changed: cdc dms reload-table --stack <stack> --source ${flags.source} --table ${t}, then: ${resume} --rebuild`,
      );
      continue;
    }
    lines.push(
      `  ${t}: HELD since ${s.held.since} (run ${s.held.runId}), ${through}`,
      `    file:  ${s.held.file}`,
      `    error: ${s.held.error}`,
      ...(s.held.retryAt
        ? [`    transient: the poller resumes it by itself at ${s.held.retryAt} (automatic retry ${(s.autoRetries ?? 0) + 1})`]
        : s.held.transient
          ? [`    transient, but its ${s.autoRetries ?? 0} automatic retries are used up`]
          : []),
      `    after fixing the cause: ${resume}`,
    );
  }
  return lines.join("\n");
}
