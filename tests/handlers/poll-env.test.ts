/** The poller Lambda's environment, declared once (zod): defaults, and one line naming a missing or bad variable. */
import { pollSettingsFromEnv } from "../../handlers/poll";
import { DEFAULT_ICEBERG_SETTINGS } from "../../handlers/core/plan/iceberg-settings";

describe("poller settings from the environment", () => {
  const env = {
    SOURCE: "sales",
    TARGET: "reporting",
    QUEUE_URL: "https://sqs.eu-west-2.amazonaws.com/2/q",
    LAKE_BUCKET: "lake",
    HARMONIZED_BUCKET: "harmonized",
    ALERT_TOPIC_ARN: "arn:aws:sns:eu-west-2:2:alerts",
    JOB_NAME: "cdc-dev-sales-reporting",
    SPARK_NAMESPACE: "glue_catalog.cdc_dev_sales",
  };
  it("reads them with defaults", () => {
    expect(pollSettingsFromEnv({ ...env, MYSQL: "mariadb" })).toEqual({
      source: "sales",
      target: "reporting",
      queueUrl: env.QUEUE_URL,
      lakeBucket: "lake",
      harmonizedBucket: "harmonized",
      alertTopicArn: "arn:aws:sns:eu-west-2:2:alerts",
      jobName: "cdc-dev-sales-reporting",
      sparkNamespace: ["glue_catalog", "cdc_dev_sales"],
      mysql: "mariadb",
      tombstoneRetentionDays: 7,
      maxMessages: 500,
      maxAttempts: 3,
      runRetryBaseMs: 300_000,
      runRetryMaxMs: 3_600_000,
      transientRetries: 3,
      visibilityTimeoutSeconds: 900,
      sweepIntervalMs: 3_600_000,
      sweepMinAgeMs: 900_000,
      iceberg: DEFAULT_ICEBERG_SETTINGS,
    });
  });
  it("reads the target's Iceberg settings and optimizer role, refusing malformed ones with the variable's name", () => {
    const role = "arn:aws:iam::222222222222:role/cdc-dev-sales-reporting-optimizer";
    const s = pollSettingsFromEnv({ ...env, ICEBERG: '{"writeMode":"merge-on-read"}', TABLE_OPTIMIZER_ROLE_ARN: role });
    expect(s.iceberg).toEqual({ ...DEFAULT_ICEBERG_SETTINGS, writeMode: "merge-on-read" });
    expect(s.optimizerRoleArn).toBe(role);
    expect(() => pollSettingsFromEnv({ ...env, ICEBERG: '{"writeMode":"mor"}' })).toThrow(/^poll Lambda: ICEBERG: writeMode: /);
    expect(() => pollSettingsFromEnv({ ...env, TABLE_OPTIMIZER_ROLE_ARN: "optimizer" })).toThrow(
      "TABLE_OPTIMIZER_ROLE_ARN must be an IAM role ARN",
    );
  });
  it("names the missing or malformed variable", () => {
    expect(() => pollSettingsFromEnv({ ...env, LAKE_BUCKET: "" })).toThrow("environment variable LAKE_BUCKET is not set");
    expect(() => pollSettingsFromEnv({ ...env, MAX_MESSAGES: "ten" })).toThrow(
      "MAX_MESSAGES must be a positive integer, got ten",
    );
    expect(() => pollSettingsFromEnv({ ...env, MYSQL: "true" })).toThrow('MYSQL must be mysql, mariadb or false, got "true"');
    expect(pollSettingsFromEnv({ ...env, MYSQL: "false" }).mysql).toBe(false);
    expect(pollSettingsFromEnv(env).mysql).toBe(false);
  });
});
