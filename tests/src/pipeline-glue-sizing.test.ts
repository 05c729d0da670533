/**
 * Each committed stack's apply jobs under the strict mocks, sized by its targets' `glue` blocks: stacks that set none
 * keep today's job inputs exactly (so their previews show no change), and dev's FLEX target reaches its job.
 */
import type { RecordedResource } from "../support/pulumi-mocks";
import { ofType } from "../support/resources";
import { runStack, type StackName } from "../support/stack";

/** The sizing inputs of every apply job of a stack, by resource name. */
async function jobSizes(stack: StackName): Promise<Record<string, Record<string, unknown>>> {
  const jobs = ofType((await runStack(stack)).mocks.resources, "aws:glue/job:Job").filter(
    (j: RecordedResource) => j.name.endsWith("-job") && j.name.includes("-target-"),
  );
  return Object.fromEntries(
    jobs.map((j) => {
      const { workerType, numberOfWorkers, executionClass, timeout } = j.inputs;
      return [j.name, { workerType, numberOfWorkers, executionClass, timeout }];
    }),
  );
}

/** The job inputs every target had before its size was a setting: no executionClass, Glue's STANDARD. */
const TODAY = { workerType: "G.1X", numberOfWorkers: 2, executionClass: undefined, timeout: 60 };

describe("apply jobs sized from the stack", () => {
  it.each(["preprod", "prod"] as const)("keeps every %s job at today's size", async (stack) => {
    const sizes = await jobSizes(stack);
    expect(Object.keys(sizes)).toEqual(
      expect.arrayContaining([`${stack}-sales-target-reporting-job`, `${stack}-sales-target-finance-job`]),
    );
    for (const size of Object.values(sizes)) expect(size).toEqual(TODAY);
  });

  it("runs dev's finance target FLEX and leaves its other targets as they were", async () => {
    expect(await jobSizes("dev")).toEqual({
      "dev-sales-target-reporting-job": TODAY,
      "dev-sales-target-finance-job": { ...TODAY, executionClass: "FLEX" },
      "dev-crm-target-reporting-job": TODAY,
    });
  });
});
