/** hyparquet-writer (ES modules only), loaded as handlers/core/parquet/esm.ts explains; kept out of Lambda bundles. */
import { esmFallback } from "../../../handlers/core/parquet/esm";

type HyparquetWriter = typeof import("hyparquet-writer");

export const hyparquetWriter: HyparquetWriter = esmFallback(
  "hyparquet-writer",
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- literal require so bundlers and Node 20.19+ load it
  () => require("hyparquet-writer") as HyparquetWriter,
  __filename,
);
