/** The validate Lambda's environment, as the deployment sets it (components/validated-landing.ts). */
import { validateEnvFrom } from "../../handlers/validate";

const base = {
  HARMONIZED_BUCKET: "cdc-prod-sales-harmonized-222222222222",
  QUARANTINE_BUCKET: "cdc-prod-sales-quarantine-111111111111",
  ALERT_TOPIC_ARN: "arn:aws:sns:eu-west-2:111111111111:cdc-prod-sales-alerts",
  FANOUT_QUEUE_URL: "https://sqs.eu-west-2.amazonaws.com/222222222222/cdc-prod-sales-validated",
};

describe("validate Lambda environment", () => {
  it("reads the job and its role's unique id together", () => {
    const env = validateEnvFrom({
      ...base,
      LARGE_FILE_BYTES: "1024",
      LOB_MAX_SIZE_KB: "64",
      LARGE_FILE_JOB_NAME: "cdc-prod-sales-validate-large",
      LARGE_FILE_JOB_ROLE_ID: "AROAQJOBROLE7EXAMPLE1",
    });
    expect(env).toEqual({
      settings: {
        harmonizedBucket: base.HARMONIZED_BUCKET,
        quarantineBucket: base.QUARANTINE_BUCKET,
        alertTopicArn: base.ALERT_TOPIC_ARN,
        fanOutQueueUrl: base.FANOUT_QUEUE_URL,
        largeFileBytes: 1024,
        lobLimitBytes: 65536,
      },
      metadataDir: undefined,
      largeFileJob: { jobName: "cdc-prod-sales-validate-large", roleUniqueId: "AROAQJOBROLE7EXAMPLE1" },
    });
  });

  it("runs without a job (then no large-file verdict counts), with the default size", () => {
    const env = validateEnvFrom(base);
    expect(env.largeFileJob).toBeUndefined();
    expect(env.settings.largeFileBytes).toBe(268435456);
    // DMS's default LobMaxSize when the deployment says nothing, so a cut is never silent.
    expect(env.settings.lobLimitBytes).toBe(32 * 1024);
  });

  it("reads LOB_MAX_SIZE_KB 0 as full LOB mode: no limit, no LOB value read", () => {
    expect(validateEnvFrom({ ...base, LOB_MAX_SIZE_KB: "0" }).settings.lobLimitBytes).toBeUndefined();
    expect(() => validateEnvFrom({ ...base, LOB_MAX_SIZE_KB: "-1" })).toThrow(
      "LOB_MAX_SIZE_KB must be a non-negative integer, got -1",
    );
  });

  it("refuses a job without its role's id, or an id that is not a role's", () => {
    const job = { ...base, LARGE_FILE_JOB_NAME: "cdc-prod-sales-validate-large" };
    expect(() => validateEnvFrom(job)).toThrow(
      "validate Lambda: LARGE_FILE_JOB_ROLE_ID must be set with LARGE_FILE_JOB_NAME: only verdicts the job's role sent count",
    );
    expect(() => validateEnvFrom({ ...job, LARGE_FILE_JOB_ROLE_ID: "arn:aws:iam::111111111111:role/x" })).toThrow(
      /LARGE_FILE_JOB_ROLE_ID must be the job role's unique id \(AROA…\)/,
    );
  });

  it("names the first missing or malformed variable", () => {
    const { QUARANTINE_BUCKET: _, ...missing } = base;
    expect(() => validateEnvFrom(missing)).toThrow("validate Lambda: environment variable QUARANTINE_BUCKET is not set");
    expect(() => validateEnvFrom({ ...base, LARGE_FILE_BYTES: "1.5" })).toThrow(
      "LARGE_FILE_BYTES must be a positive integer, got 1.5",
    );
    expect(() => validateEnvFrom({ ...base, LARGE_FILE_BYTES: "0" })).toThrow(/LARGE_FILE_BYTES/);
  });
});
