import { percentile } from "../../../src/local/report";

describe("percentile", () => {
  it("is the nearest-rank value, whatever the input order", () => {
    const values = [90, 10, 50, 30, 70, 20, 100, 40, 60, 80];
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(100);
    expect(percentile(values, 0)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });
});
