/**
 * How fast the program declares its sources. Until the engine answers a resource's registration, the Pulumi SDK holds
 * it in flight: four promises and an Output per property, and its serialized inputs. A program that declares a whole
 * stack in one synchronous pass holds every resource in flight at once; at 20 sources × 500 tables × 4 targets that
 * was over 700 MB of live heap. Declaring one source at a time, and letting the engine's answers in before the next,
 * keeps it near one source's worth (`npm run bench program`).
 *
 * A preview waits until every registration of the source just declared has been answered: a preview's answers come
 * fast, and the wait is what bounds memory when the engine is a separate process. An update only gives the engine a
 * turn of the event loop: there an answer comes when the resource has been created or updated, and waiting for a
 * source's DMS instance before declaring the next source would deploy the sources one after another.
 */
import * as pulumi from "@pulumi/pulumi";

/** A transformation that records every resource declared under the component it is given to. */
export function recordResources(into: pulumi.Resource[]): pulumi.ResourceTransformation {
  return ({ resource }) => {
    into.push(resource);
    return undefined;
  };
}

/** Waits before the next source is declared: see the opening comment for why previews and updates differ. */
export function paceAfterSource(declared: readonly pulumi.Resource[], preview: boolean): Promise<void> {
  return preview ? registrationsAnswered(declared) : engineTurn();
}

/** Resolves after the event loop's next turn: the I/O and promise callbacks queued until now have run. */
export function engineTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Resolves when the engine has answered every registration of `resources`, failed ones included: a failure is the
 * SDK's to report (it fails the run), and pacing must never turn it into a hang. The wait reads the URN's promise,
 * which the SDK keeps off its typings (an `apply` would never run on a failure); without it, one turn is waited.
 */
export async function registrationsAnswered(resources: readonly pulumi.Resource[]): Promise<void> {
  const answers = resources.map((r) => (r.urn as unknown as { promise?: () => Promise<unknown> }).promise?.());
  if (answers.some((a) => a === undefined)) return engineTurn();
  await Promise.allSettled(answers);
}
