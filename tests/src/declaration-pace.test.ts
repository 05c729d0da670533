import * as pulumi from "@pulumi/pulumi";
import { registrationsAnswered } from "../../src/declaration-pace";
import type { RecordedResource } from "../support/pulumi-mocks";
import { descendantsOf, ofType } from "../support/resources";
import { runStack } from "../support/stack";

const PIPELINE = "cdc:index:CdcPipeline";

/**
 * For each source after the first: whether its pipeline was registered after every resource of the source before it.
 * The mocks record a resource when the engine receives its registration.
 */
function declaredAfterThePrevious(resources: RecordedResource[]): Array<{ source: string; after: boolean }> {
  const pipelines = ofType(resources, PIPELINE);
  return pipelines.slice(1).map((next, i) => {
    const previous = descendantsOf(resources, pipelines[i]);
    if (previous.length < 100) throw new Error(`${pipelines[i].name} has only ${previous.length} resources`);
    const last = Math.max(...previous.map((r) => resources.indexOf(r)));
    return { source: next.name, after: resources.indexOf(next) > last };
  });
}

describe("declaring a stack one source at a time", () => {
  it("has a source's resources all registered before the next source, when the engine answers at once", async () => {
    const { mocks } = await runStack("prod");
    const order = declaredAfterThePrevious(mocks.resources);
    expect(order.length).toBeGreaterThan(0);
    expect(order).toEqual(order.map(({ source }) => ({ source, after: true })));
  });

  it("waits in a preview until the engine has answered every registration of a source, however late it answers", async () => {
    const { mocks } = await runStack("dev", { preview: true, mocks: { answerAfterMs: 5 } });
    const order = declaredAfterThePrevious(mocks.resources);
    expect(order).toEqual([{ source: "dev-crm", after: true }]);
  });

  it("does not wait for creations in an update: the next source is declared while the last one's are in flight", async () => {
    const { mocks } = await runStack("dev", { mocks: { answerAfterMs: 5 } });
    expect(declaredAfterThePrevious(mocks.resources)).toEqual([{ source: "dev-crm", after: false }]);
  });
});

describe("registrationsAnswered", () => {
  // A resource whose registration the engine refused: its URN's promise rejects with the engine's error, as the SDK's
  // does (resource.js resolves the URN with the RPC's error). Shaped by hand: a real rejected Output would also reject
  // the SDK's own derived promises, which nobody handles outside a program run.
  const refused = (message: string) =>
    ({ urn: { promise: () => Promise.reject(new Error(message)) } }) as unknown as pulumi.Resource;
  const answered = (urn: string) => ({ urn: pulumi.output(urn) }) as unknown as pulumi.Resource;

  it("resolves when a registration failed too: a failure is the SDK's to report, never a hang", async () => {
    await expect(registrationsAnswered([answered("urn:a"), refused("the provider refused b")])).resolves.toBeUndefined();
  });

  it("waits for the last answer", async () => {
    let answer: (urn: string) => void = () => undefined;
    const late = { urn: pulumi.output(new Promise<string>((resolve) => (answer = resolve))) } as unknown as pulumi.Resource;
    let done = false;
    const wait = registrationsAnswered([answered("urn:a"), late]).then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    answer("urn:late");
    await wait;
    expect(done).toBe(true);
  });
});
