/**
 * The IAM role the Glue Data Catalog's table optimizers of one target run with (compaction, snapshot retention,
 * orphan-file deletion on the target's Iceberg tables; the poller enables them per table, see
 * handlers/core/poller/table-optimizers.ts). It guarantees exactly what AWS's "Table optimization prerequisites"
 * (AWS Glue developer guide) require, on this target's tables alone:
 *
 * - read, write and delete objects under the target's prefix of the publication bucket, and list that bucket;
 * - the lake key, which encrypts those objects (decrypt to read, data keys to write);
 * - read and update the target's tables in its Glue database (the new metadata pointer after each commit);
 * - write the optimizers' logs to the three log groups Glue names for them.
 *
 * Only Glue may assume it, and only for this account (confused deputy). The catalog's own key needs no grant here: it
 * is usable by any principal of the account through Glue (components/catalog-encryption.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker } from "./args";
import { assumeRolePolicy, policyDocument, type PolicyStatementInput } from "./iam";

/** The log groups Glue writes each optimizer's runs to (AWS Glue developer guide, table optimization prerequisites). */
export const OPTIMIZER_LOG_GROUPS = [
  "/aws-glue/iceberg-compaction/logs",
  "/aws-glue/iceberg-retention/logs",
  "/aws-glue/iceberg-orphan-file-deletion/logs",
] as const;

export interface TableOptimizerRoleArgs {
  /** The role's name: `<target id>-optimizer`, from the target's stable names. */
  roleName: string;
  /** The lake account: the catalog, the bucket and the role's. */
  accountId: string;
  region: string;
  /** The Iceberg warehouse bucket; the target's tables are under `<prefix>`. */
  publication: { arn: pulumi.Input<string> };
  /** The target's prefix in the warehouse (`<target>/`): the only objects the optimizers touch. */
  prefix: string;
  /** The target's Glue database: the only tables the optimizers update. */
  database: string;
  /** The lake account's key, which encrypts the publication bucket. */
  kmsKeyArn: pulumi.Input<string>;
}

export class TableOptimizerRole extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: TableOptimizerRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:lake:TableOptimizerRole", name, {}, opts);
    const fail = argsChecker("TableOptimizerRole", name, this);
    if (args.roleName.length > 64) fail(`roleName ${args.roleName} is longer than IAM's 64 characters`);
    if (!/^[a-z0-9_]{1,255}$/.test(args.database))
      fail(`database must be lower-case letters, digits and _, got ${args.database}`);
    if (!/^[^/*]+\/$/.test(args.prefix)) fail(`prefix must be one folder ending in /, got ${args.prefix}`);

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: args.roleName,
        description: "Glue Data Catalog table optimizers of one target's Iceberg tables",
        assumeRolePolicy: assumeRolePolicy("glue.amazonaws.com", args.accountId),
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: role.name, name: "least-privilege", policy: policyDocument(tableOptimizerStatements(args)) },
      { parent: this },
    );
    this.arn = role.arn;
    this.registerOutputs({ arn: this.arn });
  }
}

/** The role's statements (exported for the tests that compare them exactly). */
export function tableOptimizerStatements(args: TableOptimizerRoleArgs): PolicyStatementInput[] {
  const glue = (what: string) => `arn:aws:glue:${args.region}:${args.accountId}:${what}`;
  return [
    {
      Sid: "RewriteTableFiles",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: pulumi.interpolate`${args.publication.arn}/${args.prefix}*`,
    },
    // Orphan deletion and compaction list the table locations; a prefix condition would have to name each table.
    { Sid: "ListWarehouse", Effect: "Allow", Action: "s3:ListBucket", Resource: args.publication.arn },
    { Sid: "UseLakeKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: args.kmsKeyArn },
    {
      Sid: "CommitTables",
      Effect: "Allow",
      Action: ["glue:GetTable", "glue:UpdateTable"],
      Resource: [glue("catalog"), glue(`database/${args.database}`), glue(`table/${args.database}/*`)],
    },
    {
      Sid: "WriteOptimizerLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: OPTIMIZER_LOG_GROUPS.map((g) => `arn:aws:logs:${args.region}:${args.accountId}:log-group:${g}:*`),
    },
  ];
}
