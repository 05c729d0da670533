/** The environment variables every handler declares its schema from, and the one line a bad deployment gets. */
import { z } from "zod";
import { requiredVar, settingsFromEnv, wholeNumberVar } from "../../../handlers/lib/env";

const schema = z.object({
  SOURCE: requiredVar("SOURCE"),
  MAX_MESSAGES: wholeNumberVar("MAX_MESSAGES", 500),
  RETRIES: wholeNumberVar("RETRIES", 3, 0),
});

describe("handler environment", () => {
  it("reads set variables and defaults the unset or empty numbers", () => {
    expect(settingsFromEnv("poll", schema, { SOURCE: "sales", MAX_MESSAGES: "20", RETRIES: "0" })).toEqual({
      SOURCE: "sales",
      MAX_MESSAGES: 20,
      RETRIES: 0,
    });
    expect(settingsFromEnv("poll", schema, { SOURCE: "sales", MAX_MESSAGES: "" })).toEqual({
      SOURCE: "sales",
      MAX_MESSAGES: 500,
      RETRIES: 3,
    });
  });

  it("names the handler and the missing variable, empty counting as unset", () => {
    expect(() => settingsFromEnv("poll", schema, {})).toThrow(new Error("poll Lambda: environment variable SOURCE is not set"));
    expect(() => settingsFromEnv("poll", schema, { SOURCE: "" })).toThrow(
      new Error("poll Lambda: environment variable SOURCE is not set"),
    );
  });

  it("refuses a number that is not whole, below its minimum or beyond exact integers", () => {
    const bad = (vars: Record<string, string>) => () => settingsFromEnv("poll", schema, { SOURCE: "sales", ...vars });
    expect(bad({ MAX_MESSAGES: "ten" })).toThrow(new Error("poll Lambda: MAX_MESSAGES must be a positive integer, got ten"));
    expect(bad({ MAX_MESSAGES: "1.5" })).toThrow("MAX_MESSAGES must be a positive integer, got 1.5");
    expect(bad({ MAX_MESSAGES: "0" })).toThrow("MAX_MESSAGES must be a positive integer, got 0");
    expect(bad({ MAX_MESSAGES: "1e20" })).toThrow("MAX_MESSAGES must be a positive integer, got 1e20");
    expect(bad({ RETRIES: "-1" })).toThrow(new Error("poll Lambda: RETRIES must be a non-negative integer, got -1"));
  });
});
