import { parseS3EventBody, s3EventBody } from "../../../handlers/lib/s3-event";
import { encodedPrefix } from "../../../handlers/lib/validated-move";

describe("S3 event bodies", () => {
  it("decodes keys as S3 encodes them (+ for space, percent-escapes) and round-trips", () => {
    const key = "dms out/ü+1/dbo/order lines/20240102-030405678.parquet";
    const body = s3EventBody("raw", key, 42, '"abc"');
    expect(body).toContain("dms+out/%C3%BC%2B1/dbo/order+lines/");
    expect(parseS3EventBody(body)).toEqual([{ bucket: "raw", key, size: 42, eTag: "abc" }]);
  });

  it("ignores the s3:TestEvent and non-create events", () => {
    expect(parseS3EventBody(JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "raw" }))).toEqual([]);
    const removed = JSON.parse(s3EventBody("raw", "dbo/t/LOAD00000001.parquet", 1)) as { Records: Array<{ eventName: string }> };
    removed.Records[0].eventName = "ObjectRemoved:Delete";
    expect(parseS3EventBody(JSON.stringify(removed))).toEqual([]);
  });

  it("refuses bodies that are not S3 events, naming what is wrong", () => {
    expect(() => parseS3EventBody("nope")).toThrow(/not JSON/);
    expect(() => parseS3EventBody("{}")).toThrow(/no Records/);
  });
});

describe("encodedPrefix (quarantine reasons in object metadata)", () => {
  it("keeps short text whole and cuts long text without breaking an escape", () => {
    expect(encodedPrefix("a b", 100)).toBe("a%20b");
    for (let max = 1; max < 40; max++) {
      const cut = encodedPrefix("ééé ü 日本 column naïve", max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(() => decodeURIComponent(cut)).not.toThrow();
    }
  });
});
