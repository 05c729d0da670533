import {
  FULL_LOAD_SEQ,
  formatCdcTimestamp,
  normalizeSeq,
  SEQ_WIDTH,
  tombstoneCutoff,
} from "../../../../handlers/core/plan/sequence";

describe("the change sequence", () => {
  it("pads DMS sequences to 35 digits so string order is numeric order", () => {
    expect(normalizeSeq("9")).toBe(`${"0".repeat(34)}9`);
    expect(normalizeSeq("10") > normalizeSeq("9")).toBe(true);
    const full = "12345678901234567890123456789012345";
    expect(normalizeSeq(full)).toBe(full);
    expect(normalizeSeq(` ${full} `)).toBe(full);
  });

  it("gives full-load rows (empty or null) the lowest sequence", () => {
    expect(normalizeSeq("")).toBe(FULL_LOAD_SEQ);
    expect(normalizeSeq(null)).toBe(FULL_LOAD_SEQ);
    expect(normalizeSeq(undefined)).toBe(FULL_LOAD_SEQ);
    expect(FULL_LOAD_SEQ).toHaveLength(SEQ_WIDTH);
    expect(FULL_LOAD_SEQ < normalizeSeq("1")).toBe(true);
  });

  it("refuses what is not a DMS sequence", () => {
    expect(() => normalizeSeq("12a")).toThrow('cdc_seq "12a": expected at most 35 decimal digits');
    expect(() => normalizeSeq("1".repeat(36))).toThrow("expected at most 35 decimal digits");
    expect(() => normalizeSeq("-1")).toThrow();
  });
});

describe("tombstone cutoff", () => {
  it("renders timestamps as DMS writes cdc_timestamp", () => {
    expect(formatCdcTimestamp(new Date("2024-03-04T05:06:07.089Z"))).toBe("2024-03-04 05:06:07.089000");
    expect(() => formatCdcTimestamp(new Date("nope"))).toThrow("invalid date");
  });

  it("is the retention before now", () => {
    expect(tombstoneCutoff(new Date("2024-01-08T12:00:00Z"), 7)).toBe("2024-01-01 12:00:00.000000");
    expect(() => tombstoneCutoff(new Date(), 0)).toThrow("expected a positive number of days");
  });
});
