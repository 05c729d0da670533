/**
 * Local mode's stand-in for DMS writing to the raw bucket over time: the generator's files (`generateDmsOutput`) cut
 * into rounds — round 0 is every table's full load, round n each table's n-th CDC file; a re-delivered duplicate lands
 * one round after its original, as after a DMS task restart, so it reaches the target in a later run. `--watch` asks for more: the stream is generated again with twice the changes; the generator is
 * deterministic per seed and its CDC files hold a fixed number of changes, so the files already delivered come out
 * identical and only the new ones are handed out.
 */
import type { TableMetadata } from "../../metadata/format";
import { generateDmsOutput, type GeneratedFile } from "./dms-generator";

export interface TrafficOptions {
  tables: readonly TableMetadata[];
  /** Where the generator writes (the "source side" before upload to raw). */
  dir: string;
  /** Full-load rows per table. */
  rows: number;
  /** CDC changes per table per round. */
  changesPerRound: number;
  /** CDC rounds in the first generation. */
  rounds: number;
  seed: number;
  /** Fraction of CDC files DMS delivers twice (default 0.1). */
  duplicates?: number;
}

export class Traffic {
  private readonly delivered = new Set<string>();
  private generatedRounds = 0;
  /**
   * The full load happened a few minutes ago: changes are recent, so their tombstones are well inside the retention
   * (dated in the past, they would expire at once and a late re-delivery could resurrect a deleted row). Fixed per
   * instance so regenerated files keep their names and bytes.
   */
  private readonly start = new Date(Math.floor(Date.now() / 1000) * 1000 - 10 * 60_000);

  constructor(private readonly options: TrafficOptions) {}

  /** The next rounds of files not delivered yet; generates `rounds` rounds first, then doubles on each call. */
  next(): GeneratedFile[][] {
    const o = this.options;
    this.generatedRounds = this.generatedRounds === 0 ? o.rounds : this.generatedRounds * 2;
    const files = generateDmsOutput({
      tables: o.tables,
      outDir: o.dir,
      rows: o.rows,
      changes: o.changesPerRound * this.generatedRounds,
      seed: o.seed,
      rowsPerLoadFile: Math.max(1, Math.ceil(o.rows / 2)),
      changesPerCdcFile: o.changesPerRound,
      duplicateFiles: o.duplicates ?? 0.1,
      shuffleRows: true,
      start: this.start,
    });
    const rounds = splitRounds(files).map((round) => round.filter((f) => !this.delivered.has(f.key)));
    const fresh = rounds.filter((round) => round.length > 0);
    for (const round of fresh) for (const f of round) this.delivered.add(f.key);
    return fresh;
  }
}

/** Round 0: every full-load file; round n: the n-th CDC file of each table, and re-deliveries of round n − 1's files. */
export function splitRounds(files: readonly GeneratedFile[]): GeneratedFile[][] {
  const rounds: GeneratedFile[][] = [];
  const add = (i: number, f: GeneratedFile) => (rounds[i] ??= []).push(f);
  const roundOfKey = new Map<string, number>();
  const cdcSeen = new Map<string, number>();
  for (const f of files) {
    const table = `${f.schema}.${f.table}`;
    if (f.kind === "load") {
      add(0, f);
      continue;
    }
    const round = f.duplicateOf !== undefined ? (roundOfKey.get(f.duplicateOf) as number) + 1 : (cdcSeen.get(table) ?? 0) + 1;
    if (f.duplicateOf === undefined) cdcSeen.set(table, round);
    roundOfKey.set(f.key, round);
    add(round, f);
  }
  return Array.from(rounds, (r) => r ?? []);
}
