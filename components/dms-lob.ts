/**
 * The DMS LOB mode of a source, one definition for the two places that must agree on it: the replication task's LOB
 * settings (DmsSource) and the limit validation flags values at (ValidatedLanding's LOB_MAX_SIZE_KB). If they
 * disagreed, DMS could cut values validation never flags.
 */
/** The task's LOB mode: `limited` cuts values at `maxSizeKb`; `full` carries any size, slowly. */
export interface DmsLobSettings {
  mode: "limited" | "full";
  /** LobMaxSize in KB, 1–102400 (DMS's maximum, 100 MB); used in limited mode only. */
  maxSizeKb: number;
}

/** DMS's own default LobMaxSize (KB). */
export const DEFAULT_LOB_SETTINGS: DmsLobSettings = { mode: "limited", maxSizeKb: 32 };
/** LobChunkSize DMS recommends for full LOB mode (KB); larger chunks can fail the task. */
const FULL_LOB_CHUNK_KB = 64;

/**
 * The task settings' LOB keys (TargetMetadata). DMS needs exactly one of LimitedSizeLobMode and FullLobMode when
 * SupportLobs is on; full mode needs a LobChunkSize. InlineLobMaxSize stays 0: S3 targets do not support inline LOBs.
 */
export function lobTaskSettings(lob: DmsLobSettings): Record<string, boolean | number> {
  const full = lob.mode === "full";
  return {
    SupportLobs: true,
    FullLobMode: full,
    LimitedSizeLobMode: !full,
    LobMaxSize: full ? 0 : lob.maxSizeKb,
    LobChunkSize: full ? FULL_LOB_CHUNK_KB : 0,
    InlineLobMaxSize: 0,
  };
}

/** The limit DMS cuts LOB values at, in KB, as the validate Lambda reads it: 0 in full LOB mode, which cuts nothing. */
export function lobLimitKb(lob: DmsLobSettings): number {
  return lob.mode === "full" ? 0 : lob.maxSizeKb;
}
