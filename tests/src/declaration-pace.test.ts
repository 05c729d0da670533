import * as pulumi from "@pulumi/pulumi";
import { registrationsAnswered } from "../../src/declaration-pace";
import * as path from "node:path";
import { main } from "../../src/program";
import { StrictMocks } from "../support/pulumi-mocks";
import { descendantsOf, ofType } from "../support/resources";
import { engineConfig, PROGRAM_INVOKES, PROJECT_DIR, runStack } from "../support/stack";

const PIPELINE = "cdc:index:CdcPipeline";

/**
 * For each source after the first: whether the engine received its pipeline only after it had answered every
 * registration of the source before it.
 */
function declaredAfterThePreviousWasAnswered(mocks: StrictMocks): Array<{ source: string; after: boolean }> {
  const pipelines = ofType(mocks.resources, PIPELINE);
  const at = (event: "received" | "answered", urn: string) => mocks.timeline.findIndex((e) => e.event === event && e.urn === urn);
  return pipelines.slice(1).map((next, i) => {
    const previous = descendantsOf(mocks.resources, pipelines[i]);
    if (previous.length < 100) throw new Error(`${pipelines[i].name} has only ${previous.length} resources`);
    const lastAnswer = Math.max(...previous.map((r) => at("answered", r.urn)));
    return { source: next.name, after: lastAnswer >= 0 && at("received", next.urn) > lastAnswer };
  });
}

const allAfter = (order: Array<{ source: string }>) => order.map(({ source }) => ({ source, after: true }));

describe("declaring a stack one source at a time", () => {
  it("declares the next source only once the engine has answered every registration of the last (answers at once)", async () => {
    const { mocks } = await runStack("prod");
    const order = declaredAfterThePreviousWasAnswered(mocks);
    expect(order.length).toBeGreaterThan(0);
    expect(order).toEqual(allAfter(order));
  });

  it.each([
    ["a preview", true],
    ["an update", false],
  ])("waits for answers that come late, in %s", async (_, preview) => {
    const { mocks } = await runStack("dev", { preview, mocks: { answerAfterMs: 5 } });
    expect(declaredAfterThePreviousWasAnswered(mocks)).toEqual([{ source: "dev-crm", after: true }]);
  });

  it("stops waiting at the cap: answers slower than it (an update's creations) do not hold the next source back", async () => {
    const { mocks } = await runStack("dev", { mocks: { answerAfterMs: 60 }, sourceWaitMs: 20 });
    expect(declaredAfterThePreviousWasAnswered(mocks)).toEqual([{ source: "dev-crm", after: false }]);
  });
});

describe("a registration the engine never answers", () => {
  it("holds the next source back no longer than the cap", async () => {
    // The engine abandons the first source's dashboard (gRPC UNAVAILABLE): the SDK leaves its URN unsettled for good.
    const abandon = (args: pulumi.runtime.MockResourceArgs) => {
      if (args.type === "aws:cloudwatch/dashboard:Dashboard" && args.name.startsWith("dev-sales")) {
        throw Object.assign(new Error("resource monitor shut down while waiting on step's done channel"), { code: 14 });
      }
      return undefined;
    };
    const mocks = new StrictMocks({ invokes: PROGRAM_INVOKES, outputs: abandon });
    await mocks.install("cdc-pipelines", "dev");
    pulumi.runtime.setAllConfig(engineConfig(path.join(PROJECT_DIR, "Pulumi.dev.yaml")));
    // Never settles: an output of the first source waits on the dashboard. What matters is what gets declared.
    void main({ sourceWaitMs: 50 });
    const declared = () => ofType(mocks.resources, PIPELINE).map((p) => p.name);
    for (let i = 0; i < 200 && !declared().includes("dev-crm"); i++) await new Promise((r) => setTimeout(r, 50));
    expect(declared()).toEqual(["dev-sales", "dev-crm"]);
  });
});

describe("registrationsAnswered", () => {
  const answered = (urn: string) => ({ urn: pulumi.output(urn) }) as unknown as pulumi.Resource;
  // What the SDK leaves when the engine abandons a step (gRPC UNAVAILABLE or CANCELLED): a URN that never settles.
  const abandoned = () => ({ urn: pulumi.output(new Promise<string>(() => undefined)) }) as unknown as pulumi.Resource;
  // A registration the engine refused with another error: the SDK rejects its URN. Shaped by hand: a real rejected
  // Output also rejects the SDK's own derived promises, which nobody handles outside a program run.
  const refused = (message: string) =>
    ({ urn: { promise: () => Promise.reject(new Error(message)) } }) as unknown as pulumi.Resource;

  it("answers when every registration is answered, refused ones included", async () => {
    await expect(registrationsAnswered([answered("urn:a"), refused("the provider refused b")], 60_000)).resolves.toBe("answered");
  });

  it("gives up at the cap on a registration that is never answered", async () => {
    await expect(registrationsAnswered([answered("urn:a"), abandoned()], 20)).resolves.toBe("waited");
  });

  it("waits for the last answer", async () => {
    let answer: (urn: string) => void = () => undefined;
    const late = { urn: pulumi.output(new Promise<string>((resolve) => (answer = resolve))) } as unknown as pulumi.Resource;
    let done = false;
    const wait = registrationsAnswered([answered("urn:a"), late], 60_000).then((how) => {
      done = true;
      return how;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    answer("urn:late");
    await expect(wait).resolves.toBe("answered");
  });
});
