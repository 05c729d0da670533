/**
 * The bootstrap stack's settings (namespace `cdc-bootstrap`), checked with zod before anything is declared, every
 * problem at once and each naming its key. One stack prepares one AWS account.
 */
import { z } from "zod";

/** The config namespace: the project name in bootstrap/Pulumi.yaml. */
export const NAMESPACE = "cdc-bootstrap";

const ACCOUNT_ID = /^\d{12}$/;
const accountId = z.string().regex(ACCOUNT_ID, { error: "expected a 12-digit AWS account id (quote it in YAML)" });
/** IAM role names: up to 64 of `[\w+=,.@-]`. */
const roleName = z
  .string()
  .regex(/^[\w+=,.@-]{1,64}$/, { error: "expected an IAM role name (1–64 of letters, digits, +=,.@_-)" });

export const bootstrapConfigSchema = z
  .strictObject({
    /** The account this stack prepares; its provider refuses to act in any other. */
    accountId,
    /** The region of the state bucket and its key (IAM is global). */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "expected an AWS region such as eu-west-2" }),
    /** The repository whose workflows assume the roles, spelt exactly as GitHub does: the OIDC subject is case-sensitive. */
    github: z.strictObject({
      owner: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, { error: "expected a GitHub user or organisation name" }),
      repository: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, { error: "expected a GitHub repository name" }),
    }),
    /**
     * The stacks, each a GitHub environment of the same name, that deploy into this account. The deploy role trusts
     * `environment:<env>` only; the preview role `environment:<env>-preview` only.
     */
    environments: z
      .array(
        z
          .string()
          .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, { error: "expected a stack name in lower-kebab-case" })
          .refine((e) => !e.endsWith("-preview"), { error: "name the stack, not its preview environment (-preview is added)" }),
      )
      .min(1, { error: "expected at least one environment" }),
    /** The other account of the same stacks (separate ingestion and lake): its roles may chain into these and back. */
    peerAccountIds: z.array(accountId).default([]),
    /**
     * Roles of people (an SSO administrator role, say) that may assume the preview role, for a local read-only
     * `CDC_AWS_ROLE=preview pulumi preview`. Never the deploy role: updates run from the workflows only.
     */
    operatorRoleArns: z
      .array(
        z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, {
          error: "expected an IAM role ARN (arn:aws:iam::<account>:role/<path/name>)",
        }),
      )
      .default([]),
    /** The account's existing `token.actions.githubusercontent.com` provider, if any (one per URL per account). */
    existingOidcProviderArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/, {
        error: "expected arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com",
      })
      .optional(),
    /** Name of the role `pulumi up` assumes; the stack files' `deployRoleArn` ends with it. */
    deployRoleName: roleName.default("cdc-deploy"),
    /** Name of the read-only role pull-request previews assume; the stack files' `previewRoleArn` ends with it. */
    previewRoleName: roleName.default("cdc-preview"),
    /** The external id the stack file gives this account (`cdc:accounts.<side>.externalId`); the roles then require it. */
    externalId: z.string().min(2).max(1224).optional(),
    /**
     * The S3 bucket for the Pulumi state of the stacks whose workflow enters this account, or `false` for none. The
     * name defaults to `cdc-pulumi-state-<accountId>-<region>`; old state versions are kept `noncurrentVersionDays`.
     */
    stateBucket: z
      .union([
        z.literal(false),
        z.strictObject({
          name: z
            .string()
            .regex(/^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, {
              error: "expected an S3 bucket name: 3–63 lower-case letters, digits and hyphens",
            })
            .optional(),
          noncurrentVersionDays: z.number().int().min(1).max(3650).default(90),
        }),
      ])
      .default({ noncurrentVersionDays: 90 }),
  })
  .check(
    z.superRefine((c, ctx) => {
      if (c.deployRoleName === c.previewRoleName) {
        ctx.addIssue({
          code: "custom",
          path: ["previewRoleName"],
          message: "the preview role must be a separate role from the deploy role",
          input: c,
        });
      }
      c.peerAccountIds.forEach((peer, i) => {
        if (peer === c.accountId) {
          ctx.addIssue({
            code: "custom",
            path: ["peerAccountIds", i],
            message: "a peer is the other account of the stack, not this one",
            input: peer,
          });
        }
      });
      c.operatorRoleArns.forEach((arn, i) => {
        const name = arn.split("/").pop();
        if (name === c.deployRoleName || name === c.previewRoleName) {
          ctx.addIssue({
            code: "custom",
            path: ["operatorRoleArns", i],
            message: "an operator role is a person's role, not one of the pipeline's deploy or preview roles",
            input: arn,
          });
        }
      });
      const arnAccount = c.existingOidcProviderArn?.split(":")[4];
      if (arnAccount !== undefined && arnAccount !== c.accountId) {
        ctx.addIssue({
          code: "custom",
          path: ["existingOidcProviderArn"],
          message: `provider is in account ${arnAccount}, expected the accountId ${c.accountId}`,
          input: c.existingOidcProviderArn,
        });
      }
    }),
  )
  .transform((c) => ({
    ...c,
    stateBucket:
      c.stateBucket === false
        ? undefined
        : { ...c.stateBucket, name: c.stateBucket.name ?? `cdc-pulumi-state-${c.accountId}-${c.region}` },
  }));

export type BootstrapConfig = z.output<typeof bootstrapConfigSchema>;

/** The settings of this namespace as the engine hands them over (`<namespace>:<key>`: strings, the rest as JSON). */
export function namespaceSettings(all: Record<string, string>): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(`${NAMESPACE}:`)) continue;
    let parsed: unknown = value;
    try {
      parsed = JSON.parse(value);
    } catch {
      // A plain string.
    }
    // An account id is digits: JSON would turn it into a number, which is not what the file said.
    settings[key.slice(NAMESPACE.length + 1)] = typeof parsed === "number" ? value : parsed;
  }
  return settings;
}

/** Validates the settings; throws one error listing every problem (`cdc-bootstrap:<path>: <message>`). */
export function parseBootstrapConfig(raw: Record<string, unknown>): BootstrapConfig {
  const result = bootstrapConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `${NAMESPACE}:${formatPath(issue.path)}: ${issue.message}`);
  throw new Error(`invalid bootstrap settings:\n${lines.join("\n")}`);
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === "number" ? `${out}[${part}]` : out === "" ? String(part) : `${out}.${String(part)}`),
    "",
  );
}
