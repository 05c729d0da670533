import {
  claimedObject,
  parseValidatedFileMessage,
  sentByRole,
  validatedFileMessageSchema,
  type ValidatedFileMessage,
} from "../../../handlers/core/messages";

const message: ValidatedFileMessage = {
  version: 1,
  source: "sales",
  schema: "dbo",
  table: "orders",
  bucket: "cdc-dev-sales-harmonized-222222222222",
  key: "dbo/orders/20240102-030405678.parquet",
  etag: '"0123456789abcdef0123456789abcdef"',
  sizeBytes: 1234,
  rowCount: 3,
  kind: "cdc",
  minSeq: "20240102030405000000000000000000001",
  maxSeq: "20240102030405000000000000000000003",
  validatedAt: "2024-01-02T03:04:06.000Z",
};

describe("validated-file message", () => {
  it("round-trips through JSON", () => {
    expect(parseValidatedFileMessage(JSON.stringify(message))).toEqual(message);
  });

  it("accepts null sequences for full-load files", () => {
    expect(validatedFileMessageSchema.parse({ ...message, kind: "load", minSeq: null, maxSeq: null }).minSeq).toBeNull();
  });

  it("names the bad field", () => {
    expect(() => parseValidatedFileMessage(JSON.stringify({ ...message, kind: "full" }))).toThrow(
      /^validated-file message: kind: /,
    );
    expect(() => parseValidatedFileMessage(JSON.stringify({ ...message, extra: 1 }))).toThrow(/validated-file message: /);
    expect(() => parseValidatedFileMessage("nope")).toThrow(/not JSON/);
  });
});

describe("who sent a large-file verdict (SQS SenderId)", () => {
  const ROLE = "AROAQJOBROLE7EXAMPLE1";

  it("accepts a session of the job's role, whatever the session is called", () => {
    expect(sentByRole(`${ROLE}:GlueJobRunnerSession`, ROLE)).toBe(true);
    expect(sentByRole(`${ROLE}:jr_0123abc`, ROLE)).toBe(true);
  });

  it("refuses other roles, users, look-alike ids, a bare role id and a missing attribute", () => {
    expect(sentByRole("AROAOTHERROLE00000001:GlueJobRunnerSession", ROLE)).toBe(false);
    expect(sentByRole("AIDAUSER0000000000001", ROLE)).toBe(false);
    expect(sentByRole(`${ROLE}X:session`, ROLE)).toBe(false);
    expect(sentByRole(`X${ROLE}:session`, ROLE)).toBe(false);
    expect(sentByRole(ROLE, ROLE)).toBe(false);
    expect(sentByRole(`${ROLE}:`, ROLE)).toBe(false);
    expect(sentByRole(`${ROLE}:a:b`, ROLE)).toBe(false);
    expect(sentByRole(undefined, ROLE)).toBe(false);
  });

  it("trusts nobody without a well-formed role id (no job deployed, or a misconfigured one)", () => {
    expect(sentByRole(`${ROLE}:s`, undefined)).toBe(false);
    expect(sentByRole(":s", "")).toBe(false);
    expect(sentByRole("AIDAUSER1:s", "AIDAUSER1")).toBe(false);
  });

  it("takes only string bucket and key from a body that may be forged, cut to a key's length", () => {
    expect(claimedObject(JSON.stringify({ bucket: "raw", key: "dbo/t/1.parquet", row: {} }))).toEqual({
      bucket: "raw",
      key: "dbo/t/1.parquet",
    });
    expect(claimedObject(JSON.stringify({ bucket: 1, key: { a: 1 } }))).toEqual({ bucket: undefined, key: undefined });
    expect(claimedObject("null")).toEqual({ bucket: undefined, key: undefined });
    expect(claimedObject("{")).toEqual({});
    expect(claimedObject(JSON.stringify({ key: "k".repeat(5000) })).key).toHaveLength(1024);
  });
});
