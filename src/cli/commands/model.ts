/**
 * `cdc model`: the monthly cost and the freshness a stack's settings buy, before anything is deployed — so a pull
 * request that adds a source or shortens a schedule shows what it costs.
 */
import * as fs from "node:fs";
import type { Command } from "commander";
import { ConfigError } from "../../config-issues";
import { loadStackFile, stackFilePath } from "../../config-sources";
import { DEFAULT_ASSUMPTIONS, FLEX_MAX_WAIT_SECONDS, modelStack, type StackModel } from "../../model/cost";
import { loadPrices } from "../../model/prices";
import { EXIT, UserError, type CliIo } from "../io";

export function registerModelCommands(program: Command, io: CliIo): void {
  program
    .command("model")
    .description("Estimate a stack's monthly cost and change latency from its settings")
    .argument("<stacks...>", "stack names (Pulumi.<stack>.yaml in the project directory)")
    .option("-C, --dir <dir>", "project directory", ".")
    .option("--prices <file>", "JSON with unit prices overriding the built-in ones (any subset)")
    .option(
      "--glue-run-minutes <n>",
      "minutes one apply run takes, start-up included",
      String(DEFAULT_ASSUMPTIONS.glueRunMinutes),
    )
    .option("--json", "print the model as JSON")
    .action((stacks: string[], opts: { dir: string; prices?: string; glueRunMinutes: string; json?: boolean }) => {
      const prices = loadPrices(opts.prices);
      const runMinutes = Number(opts.glueRunMinutes);
      if (!(runMinutes > 0 && runMinutes <= 2880))
        throw new UserError(
          `--glue-run-minutes: expected more than 0 and at most 2880 minutes, got ${opts.glueRunMinutes}`,
          EXIT.usage,
        );
      const models: Array<{ file: string; model: StackModel }> = [];
      for (const stack of stacks) {
        const file = stackFilePath(stack, opts.dir);
        if (!fs.existsSync(file)) throw new UserError(`${file}: no such stack file`, EXIT.usage);
        let config;
        try {
          config = loadStackFile(file);
        } catch (err) {
          if (err instanceof ConfigError) throw new UserError(`${file}: invalid settings; run \`cdc config check ${stack}\``);
          throw err;
        }
        models.push({ file, model: modelStack(config, prices, { ...DEFAULT_ASSUMPTIONS, glueRunMinutes: runMinutes }) });
      }
      if (opts.json) io.out(JSON.stringify(models.length === 1 ? models[0].model : models.map((m) => m.model), null, 2));
      else for (const { file, model } of models) printModel(io, file, model);
    });
}

function printModel(io: CliIo, file: string, m: StackModel): void {
  const a = m.assumptions;
  io.out(`${file}: ${m.environment} in ${m.region}, about ${usd(m.monthlyTotal)} a month`);
  io.out(`  assuming changes at every poll and apply runs of ${a.glueRunMinutes} min; prices: ${m.prices}`);
  for (const s of m.sources) {
    const c = s.monthly;
    io.out(`  source ${s.name}: ${usd(c.total)}/month`);
    io.out(
      `    DMS ${s.dms.instanceClass}${s.dms.multiAz ? " Multi-AZ" : ""} ${usd(c.dmsInstance)}, ${s.dms.storageGb} GB storage ${usd(c.dmsStorage)}, ` +
        `validation and fan-out ${usd(c.landing)}, KMS ${usd(c.kms)}`,
    );
    const mon = s.monitoring;
    io.out(
      `    CloudWatch ${usd(c.monitoring)}: ${mon.customMetrics} custom metrics (one per function, none per table), ` +
        `${mon.alarms} alarms, ${mon.dashboards} dashboard${mon.dashboards === 1 ? "" : "s"}`,
    );
    for (const t of s.targets) {
      const g = t.glue;
      io.out(
        `    target ${t.name}: every ${t.everyMinutes} min, ${g.workers} × ${g.workerType} ${g.executionClass} (${g.dpus} DPU), ` +
          `${t.runsPerDay} runs/day, ${t.dpuHoursPerMonth} DPU-hours ${usd(t.monthly.glue)} + poller ${usd(t.monthly.poller)}; ` +
          `latency ~${duration(t.latencySeconds.typical)} typical, ${duration(t.latencySeconds.worst)} worst` +
          (g.executionClass === "FLEX"
            ? ` (FLEX: a run may wait up to ${duration(FLEX_MAX_WAIT_SECONDS)} for spare capacity before it starts)`
            : ""),
      );
    }
  }
  io.out(`  not included: ${m.excluded.join("; ")}`);
}

const usd = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return s === 0 ? `${m}m` : `${m}m${String(s).padStart(2, "0")}s`;
}
