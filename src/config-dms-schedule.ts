/**
 * `dms.schedule`, the dev cost saver: the hours a source's DMS task is stopped (the replication instance is billed
 * either way, but the source database, the pipeline's Lambdas, Glue runs and CloudWatch see no changes, and nobody
 * reads dev at night). Times are local to an IANA time zone, so the window follows daylight saving as people do.
 * The stack check refuses it in prod (config-rules.ts): a stopped task there is an outage.
 */
import { z } from "zod";

/** EventBridge Scheduler's day-of-week names, in week order. */
export const WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

const clock = (what: string) =>
  z.string({ error: `expected a time of day as HH:MM (24 h), e.g. "${what}"` }).regex(HH_MM, {
    error: (iss) => `expected a time of day as HH:MM (24 h), e.g. "${what}", received ${JSON.stringify(iss.input)}`,
  });

/**
 * An IANA zone name as the tz database spells it (`Area/Location`, or `UTC`): EventBridge Scheduler takes nothing
 * else. Node's ICU is looser, so its word alone is not enough: it takes any case (`europe/london`), resolves aliases
 * to older names (`Asia/Kolkata` to `Asia/Calcutta`) and reads abbreviations as zones (`BST` is Bangladesh, not
 * British Summer Time). A name passes when ICU knows it, it has the database's shape, and, when ICU's name for it
 * differs only in case, it is spelt as ICU spells it.
 */
export function isIanaTimeZone(name: string): boolean {
  const resolved = icuZone(name);
  if (resolved === undefined) return false;
  if (name === "UTC") return true;
  if (!/^[A-Z][A-Za-z_]*(\/[A-Z][A-Za-z0-9_+'-]*)+$/.test(name)) return false;
  return resolved === name || resolved.toLowerCase() !== name.toLowerCase();
}

function icuZone(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat("en", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function suggestZone(name: string): string {
  const resolved = icuZone(name);
  return resolved === undefined || !resolved.includes("/") ? "" : ` (did you mean "${resolved}"?)`;
}

export const dmsScheduleSchema = z
  .strictObject({
    stopAt: clock("19:00").describe("Local time (HH:MM, 24 h) the task is stopped."),
    startAt: clock("07:00").describe(
      "Local time (HH:MM, 24 h) the task resumes from the last position it read (`resume-processing`): no change is lost, DMS reads the source's log from where it stopped.",
    ),
    timezone: z
      .string()
      .refine(isIanaTimeZone, {
        error: (iss) =>
          `expected an IANA time zone such as "Europe/London" or "UTC", received ${JSON.stringify(iss.input)}${typeof iss.input === "string" ? suggestZone(iss.input) : ""}`,
      })
      .describe("IANA time zone of `stopAt` and `startAt` (e.g. `Europe/London`); the hours follow its daylight saving."),
    weekdays: z
      .array(
        z.enum(WEEKDAYS, { error: (iss) => `expected one of ${WEEKDAYS.join(", ")}, received ${JSON.stringify(iss.input)}` }),
      )
      .min(1, { error: "expected at least one day; leave weekdays out for every day" })
      .refine((days) => new Set(days).size === days.length, { error: "lists a day twice" })
      .optional()
      .describe(
        "Days the stop and the start happen (`MON`…`SUN`); every day when left out. `[MON, TUE, WED, THU, FRI]` with a daytime window also keeps the task stopped from Friday's stop to Monday's start.",
      ),
  })
  .refine((s) => s.stopAt !== s.startAt, { path: ["startAt"], error: "must differ from stopAt" });

export type DmsScheduleConfig = z.output<typeof dmsScheduleSchema>;
