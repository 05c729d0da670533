/**
 * How fast the program declares its sources. Until the engine answers a resource's registration, the Pulumi SDK holds
 * it in flight: four promises and an Output per property, and its serialized inputs. A program that declares a whole
 * stack in one synchronous pass holds every resource in flight at once; at 20 sources × 500 tables × 4 targets that
 * was over 700 MB of live heap. So after each source the program waits until the engine has answered every
 * registration of it, which keeps the heap near one source's worth (`npm run bench program`).
 *
 * The wait has a cap ({@link SOURCE_WAIT_MS}), for two reasons:
 * - an update's answer comes when the resource has been created or changed: without a cap a first deployment would
 *   create the sources one after another (a DMS instance takes minutes). With it, a source's creations still run
 *   while the next sources are declared; an update with little to change answers within milliseconds and gets the
 *   full bound.
 * - some failures are never answered: when the engine refuses or abandons a step (gRPC UNAVAILABLE or CANCELLED) the
 *   SDK leaves the resource's URN unsettled, and a resource whose input failed is never registered at all. The SDK
 *   reports those failures itself; pacing must not turn them into a stall.
 */
import * as pulumi from "@pulumi/pulumi";

/** The longest the program waits for a source's answers before it declares the next source. */
export const SOURCE_WAIT_MS = 5_000;

/** A transformation that records every resource declared under the component it is given to. */
export function recordResources(into: pulumi.Resource[]): pulumi.ResourceTransformation {
  return ({ resource }) => {
    into.push(resource);
    return undefined;
  };
}

/**
 * Resolves when the engine has answered every registration of `resources` (failed ones included), or after `capMs`,
 * whichever comes first: `answered` or `waited`. The wait reads each URN's promise, which the SDK keeps off its
 * typings (an `apply` would never run on a failure); were it gone, one turn of the event loop is waited instead.
 */
export async function registrationsAnswered(
  resources: readonly pulumi.Resource[],
  capMs = SOURCE_WAIT_MS,
): Promise<"answered" | "waited"> {
  const answers = resources.map((r) => (r.urn as unknown as { promise?: () => Promise<unknown> }).promise?.());
  if (answers.some((a) => a === undefined)) {
    await new Promise((resolve) => setImmediate(resolve));
    return "waited";
  }
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<"waited">((resolve) => (timer = setTimeout(() => resolve("waited"), capMs)));
  try {
    return await Promise.race([Promise.allSettled(answers).then(() => "answered" as const), cap]);
  } finally {
    clearTimeout(timer);
  }
}
