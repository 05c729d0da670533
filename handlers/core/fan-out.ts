/**
 * Fan-out routing (DESIGN §1): each validated file goes to the queue of every target whose table globs match its
 * table. Targets subscribe to subsets of a source's tables; a file no target wants is routed nowhere (and counted).
 */
import { z } from "zod";
import { matchesTableGlob } from "../../metadata/table-glob";
import type { ValidatedFileMessage } from "./messages";

export const fanOutTargetSchema = z.strictObject({
  /** Target name from the stack config (`reporting`). */
  name: z.string().min(1),
  /** Globs over `schema.table`, as in the stack config. */
  tables: z.array(z.string().min(1)).min(1),
  /** The target's queue, drained by its poller. */
  queueUrl: z.string().url(),
});
export type FanOutTarget = z.infer<typeof fanOutTargetSchema>;

/** The targets that want this file's table. */
export function targetsFor(
  message: Pick<ValidatedFileMessage, "schema" | "table">,
  targets: readonly FanOutTarget[],
): FanOutTarget[] {
  const id = `${message.schema}.${message.table}`;
  return targets.filter((t) => t.tables.some((glob) => matchesTableGlob(glob, id)));
}

/** One message to deliver: which record it came from (for partial-failure reporting) and where it goes. */
export interface Delivery {
  recordId: string;
  queueUrl: string;
  body: string;
}

/** SQS accepts at most 10 entries per SendMessageBatch. */
export const MAX_BATCH_ENTRIES = 10;

/** Groups deliveries per queue into SendMessageBatch-sized chunks, keeping record order within a queue. */
export function sendBatches(deliveries: readonly Delivery[]): Delivery[][] {
  const byQueue = new Map<string, Delivery[]>();
  for (const d of deliveries) byQueue.set(d.queueUrl, [...(byQueue.get(d.queueUrl) ?? []), d]);
  const batches: Delivery[][] = [];
  for (const list of byQueue.values()) {
    for (let i = 0; i < list.length; i += MAX_BATCH_ENTRIES) batches.push(list.slice(i, i + MAX_BATCH_ENTRIES));
  }
  return batches;
}
