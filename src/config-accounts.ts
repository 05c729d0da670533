/**
 * The stack's AWS accounts (`cdc:accounts`): where each side of a pipeline lives, and the roles a deployment and a
 * pull-request preview assume there. Checked here so a role in the wrong account, or a preview role that can write, is
 * refused before anything is declared.
 */
import { z } from "zod";

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const roleArn = z.string().regex(ROLE_ARN, { error: "expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)" });

const account = z
  .strictObject({
    accountId: z
      .string()
      .regex(/^\d{12}$/, { error: "expected a 12-digit AWS account id (quote it in YAML)" })
      .describe("The 12-digit AWS account id (quoted in YAML); the provider refuses to act in any other account."),
    deployRoleArn: roleArn.describe(
      "The role `pulumi up` assumes in that account: it creates, changes and deletes the pipeline's resources (`bootstrap/` creates it).",
    ),
    previewRoleArn: roleArn.describe(
      "The read-only role pull-request previews assume in that account (`CDC_AWS_ROLE=preview`, src/accounts.ts): they run code nobody has reviewed yet, so they get a role that can read and nothing else. Must differ from `deployRoleArn`.",
    ),
    externalId: z
      .string()
      .min(2)
      .max(1224)
      .optional()
      .describe("External id the deploy and preview roles' trust policies require; the providers pass it when they assume them."),
  })
  .check(
    z.superRefine((a, ctx) => {
      for (const key of ["deployRoleArn", "previewRoleArn"] as const) {
        const roleAccount = ROLE_ARN.exec(a[key])?.[1];
        if (roleAccount && /^\d{12}$/.test(a.accountId) && roleAccount !== a.accountId) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `role is in account ${roleAccount}, expected the accountId ${a.accountId}`,
            input: a,
          });
        }
      }
      if (a.previewRoleArn === a.deployRoleArn) {
        ctx.addIssue({
          code: "custom",
          path: ["previewRoleArn"],
          message: "the preview role must be a separate, read-only role, not the deploy role",
          input: a,
        });
      }
    }),
  );

export const accountsSchema = z
  .strictObject({
    ingestion: account.describe("The account of DMS, the raw and quarantine buckets and the validate Lambda."),
    lake: account
      .optional()
      .describe(
        "The account of the harmonized and publication buckets, target queues, Glue jobs and Athena. Leave it out for a single-account stack (it is then the ingestion account).",
      ),
  })
  .check(
    z.superRefine(({ ingestion, lake }, ctx) => {
      if (!lake || lake.accountId !== ingestion.accountId) return;
      for (const key of ["deployRoleArn", "previewRoleArn"] as const) {
        if (lake[key] !== ingestion[key]) {
          ctx.addIssue({
            code: "custom",
            path: ["lake", key],
            message: `lake is the ingestion account, so it must use the same ${key} (or leave lake out)`,
            input: lake,
          });
        }
      }
    }),
  )
  .transform((a) => ({ ingestion: a.ingestion, lake: a.lake ?? a.ingestion }));
