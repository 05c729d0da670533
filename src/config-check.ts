/**
 * The one check of a stack's `cdc` settings. The Pulumi program and `cdc config check` both call {@link checkStack},
 * so the command cannot say ok where `pulumi up` would refuse: the schema, the rules over a source's surroundings and
 * its committed metadata (`config-rules.ts`), every problem reported at once, one line each, with its config path.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { z } from "zod";
import { readMetadataDir, type MetadataDir } from "../metadata/load";
import { UserError } from "./errors";
import {
  accountsSchema,
  alertsSchema,
  networkSchema,
  regionSchema,
  sourceSchema,
  stackConfigSchema,
  type SourceConfig,
  type StackConfig,
} from "./config";
import { ConfigError, formatProblems, issueMessage, locateIssues, type Located } from "./config-issues";
import { alertSecretProblems, sourceProblems, type SourceSurroundings } from "./config-rules";

/** A stack that passed every check: its settings and each source's metadata, by source name. */
export interface CheckedStack {
  config: StackConfig;
  metadata: ReadonlyMap<string, MetadataDir>;
}

export type StackCheck = { ok: true; stack: CheckedStack } | { ok: false; problems: string[] };

/**
 * Checks the raw `cdc` settings (keys without the prefix) against the schema, then each source against its
 * surroundings and its metadata in `metadataRoot/<source>/`. The rules run on every part that validates on its own,
 * so a schema problem elsewhere does not hide a missing metadata directory or a misplaced secret.
 */
export function checkStack(raw: Record<string, unknown>, metadataRoot: string): StackCheck {
  const parsed = stackConfigSchema.safeParse(raw, { error: issueMessage });
  const problems: Located[] = parsed.success ? [] : locateIssues(parsed.error.issues);
  const surroundings: SourceSurroundings = {
    environment: typeof raw.environment === "string" ? raw.environment : undefined,
    region: valid(regionSchema, raw.region),
    accounts: valid(accountsSchema, raw.accounts),
    network: valid(networkSchema, raw.network),
  };
  const metadata = new Map<string, MetadataDir>();
  (Array.isArray(raw.sources) ? (raw.sources as unknown[]) : []).forEach((rawSource, i) => {
    const source = valid(sourceSchema, rawSource);
    if (source === undefined) return;
    const read = readSourceMetadata(metadataRoot, source);
    if (Array.isArray(read)) problems.push(...read.map((message) => ({ path: ["sources", i], message })));
    else metadata.set(source.name, read);
    for (const p of sourceProblems(surroundings, source, Array.isArray(read) ? undefined : read)) {
      problems.push({ path: ["sources", i, ...p.path], message: p.message });
    }
  });
  problems.push(...alertSecretProblems(surroundings.region, valid(alertsSchema, raw.alerts)));
  if (!parsed.success || problems.length > 0) return { ok: false, problems: formatProblems(problems) };
  return { ok: true, stack: { config: parsed.data, metadata } };
}

/** {@link checkStack}, for the program: the checked stack, or a {@link ConfigError} listing every problem. */
export function requireValidStack(raw: Record<string, unknown>, metadataRoot: string): CheckedStack {
  const result = checkStack(raw, metadataRoot);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.stack;
}

/** The part's value when it validates on its own; its problems are the whole schema's to report. */
function valid<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | undefined {
  const r = schema.safeParse(value);
  return r.success ? r.data : undefined;
}

/** A source's metadata, or the one-line reasons it cannot be used (missing: how to create it; invalid: file and field). */
function readSourceMetadata(root: string, source: SourceConfig): MetadataDir | string[] {
  const dir = path.join(root, source.name);
  if (!fs.existsSync(path.join(dir, "source.json"))) {
    const shown = path.relative(process.cwd(), dir) || dir;
    return [
      `source ${source.name} has no metadata in ${shown}: run \`cdc metadata extract --engine ${source.engine} --url <connection> --source ${source.name}\` and commit the files`,
    ];
  }
  try {
    return readMetadataDir(dir);
  } catch (err) {
    // The loader's refusals name the file and field; anything else is a bug and keeps its stack trace.
    if (err instanceof UserError) return problemLines(err.message);
    throw err;
  }
}

/**
 * A refusal of several problems comes as a header and one indented line each (`2 names refused:\n  a\n  b`): each
 * indented line is a problem of its own, so every output line still names one problem.
 */
function problemLines(message: string): string[] {
  const indented = message.split("\n").filter((l) => l.startsWith("  "));
  return indented.length > 0 ? indented.map((l) => l.trim()) : [message];
}
