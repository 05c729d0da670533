/**
 * The unit prices `cdc model` multiplies. Defaults are approximate on-demand list prices (USD) in us-east-1 as of
 * 2026; other regions differ by up to about a quarter, and prices change. `--prices <file>` overrides any of them with
 * a JSON object of the same shape, so a team can pin its own region's and contract's numbers in the repository.
 */
import * as fs from "node:fs";
import { z } from "zod";
import { UserError, EXIT } from "../errors";

export const pricesSchema = z.strictObject({
  /** Where the numbers come from, printed with every model. */
  source: z.string().min(1),
  /** Hourly price of each DMS replication instance class (single-AZ; Multi-AZ costs twice as much). */
  dmsInstanceHourly: z.record(z.string().regex(/^dms\.[a-z0-9]+\.[a-z0-9]+$/), z.number().nonnegative()),
  /** DMS storage (gp2), per GB-month. */
  dmsStorageGbMonth: z.number().nonnegative(),
  /** Glue Spark jobs, per DPU-hour (billed per second, at least one minute per run). */
  glueDpuHour: z.number().nonnegative(),
  /** The same for runs of the FLEX execution class, on spare capacity. */
  glueFlexDpuHour: z.number().nonnegative(),
  /** Lambda per GB-second (arm64) and per million requests. */
  lambdaGbSecond: z.number().nonnegative(),
  lambdaPerMillionRequests: z.number().nonnegative(),
  /** SQS per million requests. */
  sqsPerMillionRequests: z.number().nonnegative(),
  /** Each customer-managed KMS key, per month. */
  kmsKeyMonth: z.number().nonnegative(),
  /** CloudWatch, per month: each custom metric (namespace + name + dimensions), each standard alarm, each dashboard. */
  cloudwatchMetricMonth: z.number().nonnegative(),
  cloudwatchAlarmMonth: z.number().nonnegative(),
  cloudwatchDashboardMonth: z.number().nonnegative(),
});

export type Prices = z.infer<typeof pricesSchema>;

export const DEFAULT_PRICES: Prices = {
  source: "approximate us-east-1 on-demand list prices (2026); pass --prices <file> for your region",
  dmsInstanceHourly: {
    "dms.t3.micro": 0.018,
    "dms.t3.small": 0.036,
    "dms.t3.medium": 0.073,
    "dms.t3.large": 0.146,
    "dms.c5.large": 0.154,
    "dms.c5.xlarge": 0.308,
    "dms.c5.2xlarge": 0.616,
    "dms.r5.large": 0.21,
    "dms.r5.xlarge": 0.42,
    "dms.r5.2xlarge": 0.84,
    "dms.r5.4xlarge": 1.68,
  },
  dmsStorageGbMonth: 0.115,
  glueDpuHour: 0.44,
  glueFlexDpuHour: 0.29,
  lambdaGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  sqsPerMillionRequests: 0.4,
  kmsKeyMonth: 1,
  cloudwatchMetricMonth: 0.3,
  cloudwatchAlarmMonth: 0.1,
  cloudwatchDashboardMonth: 3,
};

/** The default prices with a file's values laid over them (instance classes merge one by one). */
export function loadPrices(file?: string): Prices {
  if (file === undefined) return DEFAULT_PRICES;
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserError(`${file}: cannot read prices (${(err as Error).message})`, EXIT.usage);
  }
  const partial = pricesSchema.partial().safeParse(json);
  if (!partial.success) {
    const issue = partial.error.issues[0];
    throw new UserError(`${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}`, EXIT.usage);
  }
  return {
    ...DEFAULT_PRICES,
    ...partial.data,
    source: partial.data.source ?? file,
    dmsInstanceHourly: { ...DEFAULT_PRICES.dmsInstanceHourly, ...partial.data.dmsInstanceHourly },
  };
}
