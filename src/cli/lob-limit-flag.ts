/**
 * `--lob-max-kb`, shared by `cdc validate` and `cdc replay`: the DMS task's LobMaxSize, so local checks flag the LOB
 * values the validate Lambda would flag (LOB_POSSIBLY_TRUNCATED). Defaults to DMS's own default, 32.
 */
import { EXIT, UserError } from "./io";

export const LOB_MAX_KB_HELP =
  "the source's dms.lob.maxSizeKb: LOB values that reach it are flagged as possibly truncated; 0 in full LOB mode";

/** The limit in bytes, or undefined for 0 (full LOB mode: nothing is cut). */
export function lobLimitBytesFlag(raw: string): number | undefined {
  const kb = Number(raw);
  if (!Number.isSafeInteger(kb) || kb < 0 || kb > 102400) {
    throw new UserError(`--lob-max-kb: expected a whole number of KB from 0 (full LOB mode) to 102400, got ${raw}`, EXIT.usage);
  }
  return kb === 0 ? undefined : kb * 1024;
}
