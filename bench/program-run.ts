/**
 * One program run under the strict mocks, in its own process so its peak memory is its own: `node -r
 * ts-node/register/transpile-only bench/program-run.ts <engine-config.json> [metadataRoot]`. Prints one JSON line:
 * seconds, peak RSS in MB, and how many resources and AWS providers the program declared. Runs as `pulumi preview`
 * does (a dry run); CDC_BENCH_ANSWER_MS makes the mock engine answer each registration that many milliseconds late,
 * as a real engine answers over gRPC, instead of within the same turn.
 */
import * as fs from "node:fs";
import { runProgram } from "../tests/support/stack";

async function main(): Promise<void> {
  const [configFile, metadataRoot] = process.argv.slice(2);
  const config = JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<string, string>;
  const answer = process.env.CDC_BENCH_ANSWER_MS;
  const start = process.hrtime.bigint();
  // As `pulumi preview` runs it: Node's default stack depth until the program sets its own (src/program.ts).
  Error.stackTraceLimit = 10;
  const { mocks } = await runProgram(config, {
    stack: config["cdc:environment"],
    metadataRoot,
    preview: true,
    programStackFrames: true,
    mocks: { answerAfterMs: answer ? Number(answer) : undefined },
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const providers = mocks.resources.filter((r) => r.type === "pulumi:providers:aws").length;
  // maxRSS is in kilobytes: the process's peak, whatever the garbage collector did meanwhile.
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ seconds, peakMb, resources: mocks.resources.length, providers }));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
