/**
 * How a handler reads its environment: one zod schema per handler, built from these variables, parsed once per
 * container by `settingsFromEnv`, which throws one line naming the handler and the first missing or malformed
 * variable (a deployment mistake shows in the function's first log line, not as a failure deep in a run).
 */
import { z } from "zod";

/** A variable the handler cannot run without; empty counts as unset (a deployment that set it to nothing). */
export const requiredVar = (name: string) =>
  z.string({ error: `environment variable ${name} is not set` }).min(1, { error: `environment variable ${name} is not set` });

/**
 * A whole number with a default when the variable is unset or empty, at least `min`: 1 unless zero means something
 * (no retries, no tolerance), so a typo like `0` for a batch size is refused rather than stalling the handler.
 */
export const wholeNumberVar = (name: string, fallback: number, min: 0 | 1 = 1) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const n = raw === undefined || raw === "" ? fallback : Number(raw);
      if (Number.isSafeInteger(n) && n >= min) return n;
      ctx.addIssue({
        code: "custom",
        message: `${name} must be a ${min === 0 ? "non-negative" : "positive"} integer, got ${raw}`,
      });
      return z.NEVER;
    });

/** The environment parsed by `schema`; throws `<handler> Lambda: <the first problem>`. */
export function settingsFromEnv<S extends z.ZodType>(handler: string, schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const r = schema.safeParse(env);
  if (!r.success) throw new Error(`${handler} Lambda: ${r.error.issues[0].message}`);
  return r.data;
}
