/**
 * Which raw objects have waited too long. A file leaves raw within seconds of landing, or within a large-file job's run;
 * one still there after `minAgeMinutes` was missed (a lost notification, an ignored alert after retries ran out) and
 * would otherwise sit until the raw bucket's retention deletes it unvalidated.
 */

export interface RawObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

/** The objects last written more than `minAgeMinutes` before `now`, oldest first. */
export function staleRawObjects(objects: readonly RawObject[], now: Date, minAgeMinutes: number): RawObject[] {
  if (!(minAgeMinutes > 0)) throw new Error(`minAgeMinutes must be positive, got ${minAgeMinutes}`);
  const cutoff = now.getTime() - minAgeMinutes * 60_000;
  return objects
    .filter((o) => o.lastModified.getTime() < cutoff)
    .sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || (a.key < b.key ? -1 : 1));
}
