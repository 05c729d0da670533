/**
 * `dms.schedule` (the dev cost saver) in the stack check: each mistake one line at its config path, and the schedule
 * refused in prod by the same check `cdc config check` and the program run.
 */
import { isIanaTimeZone, missingLocalTime } from "../../src/config-dms-schedule";
import { checkStack } from "../../src/config-check";
import { readStackFile, stackFilePath } from "../../src/config-sources";
import { METADATA_ROOT } from "../../src/program";
import { PROJECT_DIR } from "../support/stack";

const WINDOW = { stopAt: "19:00", startAt: "07:00", timezone: "Europe/London" };

/** The committed stack with `schedule` set on its first source (sales), checked. */
function check(stack: "dev" | "prod", schedule: unknown) {
  const raw = structuredClone(readStackFile(stackFilePath(stack, PROJECT_DIR))) as Record<string, any>;
  raw.sources[0].dms = { ...raw.sources[0].dms, schedule };
  return checkStack(raw, METADATA_ROOT);
}

const problems = (stack: "dev" | "prod", schedule: unknown): string[] => {
  const r = check(stack, schedule);
  return r.ok ? [] : r.problems;
};

describe("dms.schedule", () => {
  it("is off unless set, and passes through as set where it is", () => {
    const raw = readStackFile(stackFilePath("preprod", PROJECT_DIR));
    const preprod = checkStack(raw, METADATA_ROOT);
    if (!preprod.ok) throw new Error(preprod.problems.join("\n"));
    expect(preprod.stack.config.sources.map((s) => s.dms.schedule)).toEqual([undefined, undefined]);
    const dev = check("dev", { ...WINDOW, weekdays: ["MON", "FRI"] });
    if (!dev.ok) throw new Error(dev.problems.join("\n"));
    expect(dev.stack.config.sources[0].dms.schedule).toEqual({ ...WINDOW, weekdays: ["MON", "FRI"] });
  });

  it("refuses a time the clocks jump over when daylight saving starts (Scheduler would skip that day's run)", () => {
    expect(problems("dev", { ...WINDOW, startAt: "01:30" })).toEqual([
      expect.stringMatching(
        /^cdc:sources\[0\]\.dms\.schedule\.startAt: 01:30 does not exist in Europe\/London on \d{4}-03-\d\d \(the clocks go forward over it\)/,
      ),
    ]);
    const from = new Date("2026-12-02T00:00:00Z");
    expect(missingLocalTime("01:30", "Europe/London", from)).toBe("2027-03-28");
    expect(missingLocalTime("02:30", "America/New_York", from)).toBe("2027-03-14");
    // Lord Howe moves by half an hour: 02:10 is skipped, 02:30 is not.
    expect(missingLocalTime("02:10", "Australia/Lord_Howe", from)).toBe("2027-10-03");
    expect(missingLocalTime("02:30", "Australia/Lord_Howe", from)).toBeUndefined();
    // The hour repeated in autumn exists (twice), and zones without daylight saving have no gap.
    expect(missingLocalTime("01:30", "America/New_York", from)).toBeUndefined();
    expect(missingLocalTime("01:30", "UTC", from)).toBeUndefined();
  });

  it("is refused in prod in one line naming the config path", () => {
    expect(problems("prod", WINDOW)).toEqual([
      "cdc:sources[0].dms.schedule: a DMS stop/start schedule is a dev and test cost saver; prod replicates around the clock, remove it from this stack",
    ]);
  });

  it.each([
    [
      { ...WINDOW, stopAt: "7pm" },
      'cdc:sources[0].dms.schedule.stopAt: expected a time of day as HH:MM (24 h), e.g. "19:00", received "7pm"',
    ],
    [
      { ...WINDOW, startAt: "24:00" },
      'cdc:sources[0].dms.schedule.startAt: expected a time of day as HH:MM (24 h), e.g. "07:00", received "24:00"',
    ],
    [{ ...WINDOW, startAt: "19:00" }, "cdc:sources[0].dms.schedule.startAt: must differ from stopAt"],
    [
      { ...WINDOW, timezone: "europe/london" },
      'cdc:sources[0].dms.schedule.timezone: expected an IANA time zone such as "Europe/London" or "UTC", received "europe/london" (did you mean "Europe/London"?)',
    ],
    [
      { ...WINDOW, timezone: "GMT+1" },
      'cdc:sources[0].dms.schedule.timezone: expected an IANA time zone such as "Europe/London" or "UTC", received "GMT+1"',
    ],
    [
      { ...WINDOW, weekdays: ["MON", "Fri"] },
      'cdc:sources[0].dms.schedule.weekdays[1]: expected one of MON, TUE, WED, THU, FRI, SAT, SUN, received "Fri"',
    ],
    [{ ...WINDOW, weekdays: ["MON", "MON"] }, "cdc:sources[0].dms.schedule.weekdays: lists a day twice"],
    [
      { ...WINDOW, weekdays: [] },
      "cdc:sources[0].dms.schedule.weekdays: expected at least one day; leave weekdays out for every day",
    ],
    [{ stopAt: "19:00", startAt: "07:00" }, "cdc:sources[0].dms.schedule.timezone: missing"],
  ])("refuses %j in one line", (schedule, line) => {
    const lines = problems("dev", schedule);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });

  it("takes IANA zone names exactly as the tz database spells them", () => {
    expect(["Europe/London", "America/New_York", "UTC", "Asia/Kolkata", "Etc/GMT-2"].filter((z) => !isIanaTimeZone(z))).toEqual(
      [],
    );
    expect(
      ["europe/london", "EUROPE/LONDON", "Asia/kolkata", "London", "BST", "GMT", "Mars/Olympus", ""].filter(isIanaTimeZone),
    ).toEqual([]);
  });
});
