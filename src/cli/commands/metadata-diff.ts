/**
 * `cdc metadata diff <old-dir> <new-dir>` and `cdc metadata diff --base <git-rev> [dir…]`: each change between two
 * versions of a source's committed metadata, classified as the targets will take it (metadata/schema-diff.ts). Exits
 * 1 when any change is incompatible, so the pull request that re-extracts metadata shows, before it is merged, which
 * tables will be held and need a reload.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Command } from "commander";
import type { TableMetadata } from "../../../metadata/format";
import { readMetadataDir } from "../../../metadata/load";
import { describeChange, diffTables, hasIncompatible, type SchemaChange } from "../../../metadata/schema-diff";
import { EXIT, UserError, type CliIo } from "../io";

const SOURCES_DIR = path.join("metadata", "sources");

interface DiffFlags {
  base?: string;
  json?: boolean;
}

/** One source's two versions and what changed between them. */
interface SourceDiff {
  source: string;
  before: string;
  after: string;
  changes: SchemaChange[];
}

export function registerMetadataDiff(metadata: Command, io: CliIo): void {
  metadata
    .command("diff")
    .description(
      "Classify each change between two metadata versions (compatible: applied to the targets; incompatible: holds the table until it is reloaded); exit 1 on any incompatible change",
    )
    .argument("[dirs...]", "<old-dir> <new-dir>, or with --base the metadata directories to compare (default: every source)")
    .option("--base <git-rev>", "compare the committed metadata at this revision with the working tree")
    .option("--json", "the changes as JSON")
    .action((dirs: string[], flags: DiffFlags) => {
      const diffs = flags.base !== undefined ? diffAgainstRevision(flags.base, dirs) : [diffDirs(dirs)];
      if (flags.json) {
        io.out(JSON.stringify({ sources: diffs, incompatible: diffs.some((d) => hasIncompatible(d.changes)) }, null, 2));
      } else {
        for (const d of diffs) {
          if (d.changes.length === 0) io.err(`${d.source}: no schema change`);
          for (const c of d.changes) io.out(`${d.source}: ${describeChange(c)}`);
        }
      }
      const incompatible = diffs.flatMap((d) => d.changes.filter((c) => !c.compatible).map((c) => ({ d, c })));
      if (incompatible.length > 0) {
        const tables = [...new Set(incompatible.map(({ d, c }) => `${d.source} ${c.table}`))];
        io.err(
          `${incompatible.length} incompatible ${incompatible.length === 1 ? "change" : "changes"}: once deployed, ${tables.join(", ")} ${tables.length === 1 ? "is" : "are"} held in every target until reloaded (cdc dms reload-table --stack <stack> --source <source> --table <schema.table>, then cdc target resume)`,
        );
        io.exitCode = EXIT.failed;
      }
    });
}

function diffDirs(dirs: string[]): SourceDiff {
  if (dirs.length !== 2)
    throw new UserError(`expected <old-dir> <new-dir> (or --base <git-rev>), got ${dirs.length} directories`, EXIT.usage);
  const [before, after] = dirs.map((d) => readMetadataDir(d));
  return { source: after.source.source, before: dirs[0], after: dirs[1], changes: diffTables(before.tables, after.tables) };
}

/** Each directory (or every source directory at either side) as committed at `rev` against the working tree. */
function diffAgainstRevision(rev: string, dirs: string[]): SourceDiff[] {
  const root = git(process.cwd(), ["rev-parse", "--show-toplevel"]).trim();
  git(root, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`], `--base: ${rev} is not a revision of ${root}`);
  const wanted =
    dirs.length > 0
      ? dirs.map((d) => path.relative(root, path.resolve(d)))
      : [
          ...new Set([
            ...committedFiles(root, rev, SOURCES_DIR).map((f) => f.split("/").slice(0, 3).join("/")),
            ...(fs.existsSync(path.join(root, SOURCES_DIR))
              ? fs.readdirSync(path.join(root, SOURCES_DIR)).map((s) => path.join(SOURCES_DIR, s))
              : []),
          ]),
        ].sort();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-metadata-diff-"));
  try {
    return wanted.map((rel, i) => {
      const then = exportAt(root, rev, rel, path.join(scratch, String(i)));
      const nowDir = path.join(root, rel);
      const now = fs.existsSync(path.join(nowDir, "source.json")) ? readMetadataDir(nowDir) : undefined;
      if (!then && !now) throw new UserError(`${rel}: no metadata at ${rev} nor in the working tree`);
      const tables = (m: { tables: TableMetadata[] } | undefined) => m?.tables ?? [];
      return {
        source: (now ?? then)!.source.source,
        before: `${rev}:${rel}`,
        after: rel,
        changes: diffTables(tables(then), tables(now)),
      };
    });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Writes `rel`'s committed files at `rev` under `out` and reads them, or undefined when `rev` has no such source. */
function exportAt(root: string, rev: string, rel: string, out: string): ReturnType<typeof readMetadataDir> | undefined {
  const files = committedFiles(root, rev, rel);
  if (!files.includes(`${rel.split(path.sep).join("/")}/source.json`)) return undefined;
  for (const f of files) {
    const to = path.join(out, path.relative(rel, f));
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, git(root, ["show", `${rev}:${f}`]));
  }
  return readMetadataDir(out);
}

function committedFiles(root: string, rev: string, rel: string): string[] {
  return git(root, ["ls-tree", "-r", "--name-only", rev, "--", rel.split(path.sep).join("/")])
    .split("\n")
    .filter((f) => f.endsWith(".json"));
}

function git(cwd: string, args: string[], failure?: string): string {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024 });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? "").trim();
    throw new UserError(failure ?? `git ${args[0]}: ${stderr.split("\n")[0] || (err as Error).message}`);
  }
}
