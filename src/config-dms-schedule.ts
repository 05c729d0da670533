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

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock date and time of instant `ms` in `zone`. */
function wallClock(ms: number, zone: string): { y: number; m: number; d: number; h: number; mi: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, Number(x.value)]));
  return { y: p.year, m: p.month, d: p.day, h: p.hour, mi: p.minute };
}

/** Minutes `zone` is ahead of UTC at instant `ms`. */
function offsetMinutes(ms: number, zone: string): number {
  const w = wallClock(ms, zone);
  return Math.round((Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi) - Math.floor(ms / 60_000) * 60_000) / 60_000);
}

/**
 * The first day, within `days` from `from`, on which the local time `hhmm` does not exist in `zone` (the clocks jump
 * over it when daylight saving starts), as YYYY-MM-DD; undefined when it exists every day. EventBridge Scheduler skips
 * a run whose time does not exist, so a start there would leave the task stopped a whole day.
 */
export function missingLocalTime(hhmm: string, zone: string, from: Date, days = 800): string | undefined {
  const [h, mi] = hhmm.split(":").map(Number);
  for (let i = 0; i < days; i++) {
    const day = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + i));
    const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    const naive = Date.UTC(y, m - 1, d, h, mi);
    const offsets = new Set([offsetMinutes(naive - 86_400_000, zone), offsetMinutes(naive + 86_400_000, zone)]);
    if (offsets.size === 1) continue; // no change of offset around this day
    const exists = [...offsets].some((off) => {
      const w = wallClock(naive - off * 60_000, zone);
      return w.y === y && w.m === m && w.d === d && w.h === h && w.mi === mi;
    });
    if (!exists) return day.toISOString().slice(0, 10);
  }
  return undefined;
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
  .refine((s) => s.stopAt !== s.startAt, { path: ["startAt"], error: "must differ from stopAt" })
  .superRefine((s, ctx) => {
    if (!isIanaTimeZone(s.timezone)) return;
    for (const key of ["stopAt", "startAt"] as const) {
      // Refinements run even when a field failed its own check: only a well-formed time is looked up.
      if (!HH_MM.test(s[key])) continue;
      const day = missingLocalTime(s[key], s.timezone, new Date());
      if (day !== undefined)
        ctx.addIssue({
          code: "custom",
          path: [key],
          input: s[key],
          message: `${s[key]} does not exist in ${s.timezone} on ${day} (the clocks go forward over it): EventBridge Scheduler would skip that day's run; choose a time outside the daylight-saving jump`,
        });
    }
  });

export type DmsScheduleConfig = z.output<typeof dmsScheduleSchema>;
