/**
 * Glue's sizing rules, and that the poller's DPU-hours metric bills each worker type the job may be given at the DPUs
 * `cdc model` prices it at.
 */
import { DPU_PER_WORKER, flexProblem, GLUE_WORKER_TYPES } from "../../components/glue-sizing";
import { billedDpuHours } from "../../handlers/core/poller/run-metrics";

describe("Glue job sizing", () => {
  it("takes FLEX on G.1X and G.2X only, and STANDARD on every worker type", () => {
    expect(GLUE_WORKER_TYPES.filter((t) => flexProblem("FLEX", t) === undefined)).toEqual(["G.1X", "G.2X"]);
    expect(GLUE_WORKER_TYPES.filter((t) => flexProblem("STANDARD", t) !== undefined)).toEqual([]);
  });

  it.each(GLUE_WORKER_TYPES)("bills an hour's run of 3 × %s in the poller's metric at the model's DPUs", (workerType) => {
    // The fields of a GetJobRuns JobRun of a STANDARD run: no DPUSeconds, so workers × DPU per worker × time.
    const run = { ExecutionTime: 3600, WorkerType: workerType, NumberOfWorkers: 3, ExecutionClass: "STANDARD" };
    expect(billedDpuHours(run)).toBeCloseTo(3 * DPU_PER_WORKER[workerType], 10);
  });

  it("bills a FLEX run by the DPUSeconds Glue reports, not by the workers it asked for", () => {
    // A FLEX run of 10 × G.2X that got capacity for part of its run: Glue reports what the executors used.
    const run = { ExecutionTime: 600, WorkerType: "G.2X", NumberOfWorkers: 10, ExecutionClass: "FLEX", DPUSeconds: 5400 };
    expect(billedDpuHours(run)).toBe(1.5);
  });
});
