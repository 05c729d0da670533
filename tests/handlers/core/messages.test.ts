import {
  parseValidatedFileMessage,
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
