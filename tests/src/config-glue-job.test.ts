/**
 * A target's `glue` block in the stack check: today's size when left out, what a stack sets passed through, and each
 * size Glue would refuse one line at its config path.
 */
import { checkStack } from "../../src/config-check";
import { readStackFile, stackFilePath } from "../../src/config-sources";
import { METADATA_ROOT } from "../../src/program";
import { PROJECT_DIR } from "../support/stack";

const DEFAULT = { workerType: "G.1X", workers: 2, executionClass: "STANDARD", timeoutMinutes: 60 };

/** The committed dev stack with `glue` set on its first target (sales → reporting), checked. */
function check(glue: unknown) {
  const raw = structuredClone(readStackFile(stackFilePath("dev", PROJECT_DIR))) as Record<string, any>;
  raw.sources[0].targets[0].glue = glue;
  return checkStack(raw, METADATA_ROOT);
}

const problems = (glue: unknown): string[] => {
  const r = check(glue);
  return r.ok ? [] : r.problems;
};

const AT = "cdc:sources[0].targets[0].glue";

describe("a target's glue block", () => {
  it("is today's size (2 × G.1X, STANDARD, 60 minutes) wherever a stack leaves it out", () => {
    for (const stack of ["preprod", "prod"]) {
      const r = checkStack(readStackFile(stackFilePath(stack, PROJECT_DIR)), METADATA_ROOT);
      if (!r.ok) throw new Error(r.problems.join("\n"));
      for (const t of r.stack.config.sources.flatMap((s) => s.targets)) expect(t.glue).toEqual(DEFAULT);
    }
  });

  it("fills what a target leaves out, and keeps what it sets (dev's finance target runs FLEX)", () => {
    const r = check({ workerType: "G.2X", timeoutMinutes: 30 });
    if (!r.ok) throw new Error(r.problems.join("\n"));
    const [reporting, finance] = r.stack.config.sources[0].targets;
    expect(reporting.glue).toEqual({ ...DEFAULT, workerType: "G.2X", timeoutMinutes: 30 });
    expect(finance.glue).toEqual({ ...DEFAULT, executionClass: "FLEX" });
  });

  it("takes FLEX on G.1X and G.2X, and every worker type on STANDARD", () => {
    for (const workerType of ["G.1X", "G.2X"]) expect(problems({ workerType, executionClass: "FLEX" })).toEqual([]);
    for (const workerType of ["G.4X", "G.8X"]) expect(problems({ workerType, workers: 100 })).toEqual([]);
  });

  it.each([
    [
      "G.025X, which Glue offers to streaming jobs only",
      { workerType: "G.025X" },
      `${AT}.workerType: expected one of G.1X, G.2X, G.4X, G.8X, received "G.025X" (Glue offers G.025X to streaming jobs only)`,
    ],
    [
      "a worker type Glue does not have",
      { workerType: "g.1x" },
      `${AT}.workerType: expected one of G.1X, G.2X, G.4X, G.8X, received "g.1x"`,
    ],
    ["one worker", { workers: 1 }, `${AT}.workers: expected a number >= 2, received 1`],
    ["101 workers", { workers: 101 }, `${AT}.workers: expected a number <= 100, received 101`],
    ["half a worker", { workers: 2.5 }, `${AT}.workers: expected an integer, received 2.5`],
    [
      "FLEX on G.4X",
      { workerType: "G.4X", executionClass: "FLEX" },
      `${AT}.executionClass: FLEX runs on G.1X or G.2X workers only; Glue refuses it with G.4X (use STANDARD, or a smaller worker type)`,
    ],
    [
      "FLEX on G.8X",
      { workerType: "G.8X", executionClass: "FLEX" },
      `${AT}.executionClass: FLEX runs on G.1X or G.2X workers only; Glue refuses it with G.8X (use STANDARD, or a smaller worker type)`,
    ],
    [
      "an execution class in lower case",
      { executionClass: "flex" },
      `${AT}.executionClass: expected one of "STANDARD", "FLEX", received "flex"`,
    ],
    ["a timeout of 0", { timeoutMinutes: 0 }, `${AT}.timeoutMinutes: expected a number >= 1, received 0`],
    ["a timeout over two days", { timeoutMinutes: 2881 }, `${AT}.timeoutMinutes: expected a number <= 2880, received 2881`],
    ["a setting it does not have", { maxRetries: 2 }, `${AT}.maxRetries: unknown setting; expected one of`],
  ])("refuses %s in one line at its path", (_what, glue, line) => {
    const found = problems(glue);
    expect(found).toHaveLength(1);
    expect(found[0].slice(0, line.length)).toBe(line);
  });
});
