/**
 * A Node.js Lambda function built from a TypeScript handler in this repository: bundled at program start into a
 * deterministic archive (components/bundle.ts), nodejs22.x on arm64, its own role with exactly the statements the
 * caller lists plus writing to its own log group, a log group with retention, and Powertools configured by environment.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker, isIntIn } from "./args";
import { bundleHandler } from "./bundle";
import { assumeRolePolicy, policyDocument, type PolicyStatementInput } from "./iam";

/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export interface BundledFunctionArgs {
  /** Physical function name (also its role's name); at most 64 characters. */
  functionName: string;
  /** Handler source file, relative to the project root (`handlers/validate.ts`). */
  entry: string;
  /** Export the runtime calls. Defaults to `handler`. */
  handlerExport?: string;
  /** Files published next to the code (e.g. `metadata.json`), read by the handler at cold start. */
  extraFiles?: Record<string, string>;
  /** The account the function runs in, so only Lambda acting for this account can assume its role. */
  accountId: string;
  /** Powertools settings: service name (logs, traces) and metrics namespace. */
  powertools: { serviceName: string; metricsNamespace: string; logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR" };
  /** Extra environment variables (never secrets: pass a Secrets Manager ARN instead). */
  environment?: Record<string, pulumi.Input<string>>;
  /** Everything the function may do beyond logging, as exact IAM statements. */
  policyStatements: pulumi.Input<PolicyStatementInput[]>;
  /** Memory in MB. Defaults to 512. */
  memorySizeMb?: number;
  /** Timeout in seconds. Defaults to 60. */
  timeoutSeconds?: number;
  /**
   * The pipeline key of the function's account, encrypting its log group (the policy pack's
   * `cloudwatch-log-group-kms-encrypted` requires one). Its key policy must let the region's CloudWatch Logs use it
   * (KmsKey `logsRegion`), or the log group fails to create. Optional only until every caller passes it.
   */
  logKmsKeyArn?: pulumi.Input<string>;
  /** Days the function's logs are kept. Defaults to 30. */
  logRetentionDays?: number;
  /** Reserved concurrency; unset lets it share the account pool. */
  reservedConcurrency?: number;
  /**
   * For functions invoked asynchronously (EventBridge, SNS, S3): the SQS queue or SNS topic failed events go to after
   * the retries, so none is lost.
   */
  onFailureDestinationArn?: pulumi.Input<string>;
}

export class BundledFunction extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;
  readonly functionName: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;
  /** Base64 SHA-256 of the deployed archive; equal across runs when the handler is unchanged. */
  readonly sourceCodeHash: string;

  constructor(name: string, args: BundledFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:compute:BundledFunction", name, {}, opts);
    validate(name, args, this);
    const child = { parent: this };
    const bundle = bundleHandler(args.entry, { handlerExport: args.handlerExport, extraFiles: args.extraFiles });

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/aws/lambda/${args.functionName}`, retentionInDays: args.logRetentionDays ?? 30, kmsKeyId: args.logKmsKeyArn },
      child,
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      { name: args.functionName, assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com") },
      child,
    );
    const statements = pulumi.all([args.policyStatements, logGroup.arn]).apply(([extra, logGroupArn]) => [
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow" as const,
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${logGroupArn}:*`,
      },
      ...destinationStatement(args.onFailureDestinationArn),
      ...(extra as PolicyStatementInput[]),
    ]);
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: role.name, name: "least-privilege", policy: policyDocument(statements) },
      child,
    );

    const fn = new aws.lambda.Function(
      `${name}-function`,
      {
        name: args.functionName,
        role: role.arn,
        runtime: aws.lambda.Runtime.NodeJS22dX,
        architectures: ["arm64"],
        handler: `index.${args.handlerExport ?? "handler"}`,
        code: new pulumi.asset.FileArchive(bundle.zipPath),
        sourceCodeHash: bundle.sourceCodeHash,
        memorySize: args.memorySizeMb ?? 512,
        timeout: args.timeoutSeconds ?? 60,
        reservedConcurrentExecutions: args.reservedConcurrency,
        loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
        environment: {
          variables: {
            POWERTOOLS_SERVICE_NAME: args.powertools.serviceName,
            POWERTOOLS_METRICS_NAMESPACE: args.powertools.metricsNamespace,
            POWERTOOLS_LOG_LEVEL: args.powertools.logLevel ?? "INFO",
            NODE_OPTIONS: "--enable-source-maps",
            ...args.environment,
          },
        },
      },
      // The log group must exist first, or Lambda creates one without retention on the first invocation.
      { parent: this, dependsOn: [logGroup, rolePolicy] },
    );
    if (args.onFailureDestinationArn !== undefined) {
      new aws.lambda.FunctionEventInvokeConfig(
        `${name}-async`,
        {
          functionName: fn.name,
          maximumRetryAttempts: 2,
          destinationConfig: { onFailure: { destination: args.onFailureDestinationArn } },
        },
        child,
      );
    }

    this.arn = fn.arn;
    this.functionName = fn.name;
    this.roleArn = role.arn;
    this.sourceCodeHash = bundle.sourceCodeHash;
    this.registerOutputs({ arn: this.arn, functionName: this.functionName, roleArn: this.roleArn });
  }
}

/** Permission to deliver failed asynchronous events to the destination, whichever kind it is. */
function destinationStatement(destination: pulumi.Input<string> | undefined): PolicyStatementInput[] {
  if (destination === undefined) return [];
  return [
    pulumi.output(destination).apply((arn) => ({
      Sid: "DeliverFailedEvents",
      Effect: "Allow" as const,
      Action: arn.startsWith("arn:aws:sns:") ? "sns:Publish" : "sqs:SendMessage",
      Resource: arn,
    })),
  ];
}

function validate(name: string, args: BundledFunctionArgs, resource: pulumi.Resource): void {
  const fail = argsChecker("BundledFunction", name, resource);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(args.functionName)) {
    fail(`functionName must be 1–64 letters, digits, _ or -, got ${JSON.stringify(args.functionName)}`);
  }
  if (!/^\d{12}$/.test(args.accountId)) fail(`accountId must be a 12-digit account id, got ${JSON.stringify(args.accountId)}`);
  if (!args.powertools.serviceName || !args.powertools.metricsNamespace) {
    fail("powertools.serviceName and powertools.metricsNamespace are required");
  }
  if (!isIntIn(args.memorySizeMb ?? 512, 128, 10240)) fail("memorySizeMb must be 128–10240");
  if (!isIntIn(args.timeoutSeconds ?? 60, 1, 900)) fail("timeoutSeconds must be 1–900");
  const retention = args.logRetentionDays ?? 30;
  if (!LOG_RETENTION_DAYS.includes(retention)) fail(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(", ")}`);
  for (const key of Object.keys(args.environment ?? {})) {
    if (/PASSWORD|SECRET(?!_ARN)|TOKEN|API_?KEY/i.test(key) && !/_ARN$/i.test(key)) {
      fail(`environment.${key} looks like a secret; pass the Secrets Manager ARN (e.g. ${key}_ARN) instead`);
    }
  }
}
