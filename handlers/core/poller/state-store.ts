/**
 * Reading and changing a target's state document ({@link TargetState}) with optimistic concurrency: read it with its
 * ETag, compute the next document, write it only if the ETag is still the same (If-Match; If-None-Match on creation),
 * and on a conflict start again from what the other writer left. Two pollers ticking at once and `cdc target resume`
 * are the writers; none of them can undo another's change.
 */
import { emptyTargetState, parseTargetState, targetStateKey, type TargetState } from "./target-state";

/** Conditional reads and writes of one bucket (the lake bucket). */
export interface VersionedStore {
  /** The object's text and ETag, or undefined when absent. */
  readVersioned(key: string): Promise<{ body: string; etag: string } | undefined>;
  /**
   * Writes only if the object's ETag is still `etag` (null: only if it does not exist) and returns the written
   * object's ETag (from the write itself: a read afterwards could see another writer's). Undefined when another writer
   * got there first (S3's 412 PreconditionFailed or 409 ConditionalRequestConflict).
   */
  writeIfMatch(key: string, body: string, etag: string | null): Promise<string | undefined>;
}

/** Reading alone: for those that must never write the state (the DMS reconciler). */
export type StateReader = Pick<VersionedStore, "readVersioned">;

export interface LoadedState {
  state: TargetState;
  /** Null when the document does not exist yet. */
  etag: string | null;
}

export async function loadTargetState(store: StateReader, source: string, target: string): Promise<LoadedState> {
  const key = targetStateKey(source, target);
  const got = await store.readVersioned(key);
  if (!got) return { state: emptyTargetState(source, target), etag: null };
  return { state: parseTargetState(got.body, key), etag: got.etag };
}

/**
 * Applies `change` to the stored state until the write wins (at most `attempts` tries); `change` returns undefined
 * when there is nothing to write. Starts from `loaded` when given (saves a read), else reads. Returns what is stored.
 */
export async function updateTargetState(
  store: VersionedStore,
  source: string,
  target: string,
  change: (state: TargetState) => TargetState | undefined,
  loaded?: LoadedState,
  attempts = 5,
): Promise<LoadedState> {
  const key = targetStateKey(source, target);
  let current = loaded ?? (await loadTargetState(store, source, target));
  for (let i = 0; i < attempts; i++) {
    const next = change(current.state);
    if (next === undefined) return current;
    const written = await store.writeIfMatch(key, `${JSON.stringify(next, null, 2)}\n`, current.etag);
    if (written !== undefined) return { state: next, etag: written };
    current = await loadTargetState(store, source, target);
  }
  throw new Error(`${key}: another writer changed it ${attempts} times in a row; try again`);
}
