/**
 * Encryption at rest of one account's Glue Data Catalog (databases, tables, partitions, table versions, column
 * statistics) and of its connection passwords, with a customer-managed key of its own. Glue keeps one such setting per
 * account and region, so a stack declares this once per lake account, never per source: two declarations would
 * overwrite each other on every update.
 *
 * Who may use the key: the account administers it, and any principal of the account may use it only through Glue
 * (`kms:ViaService`), as with AWS's own `aws/glue` key. So reading or writing the catalog stays governed by Glue's
 * permissions alone: the apply jobs, Athena users and the table optimizers need no grant on this key, and the key
 * cannot be used outside Glue. The policy pack's glue-catalog-encrypted rule requires this for every account holding the
 * pipeline's databases.
 *
 * The settings and the key are `retainOnDelete`: removing this from the program must not turn the account's catalog
 * encryption off (new objects would be stored unencrypted) nor schedule the deletion of the key existing objects need.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker } from "./args";
import { KmsKey } from "./kms-key";

export interface CatalogEncryptionArgs {
  /** The 12-digit account whose catalog is encrypted; the settings name it as their catalog. */
  accountId: string;
  /** The region of the catalog; Glue of this region is the only way the key is used. */
  region: string;
  /** Alias of the catalog's key without `alias/`, e.g. `cdc-prod-catalog`: one per stack and account. */
  keyAlias: string;
  /**
   * Protect the key (`cdc:protectData`, on in prod), so deleting it takes a deliberate step. The settings are only
   * retained: like every non-data resource they stay changeable, and deleting them from the stack leaves them in AWS.
   */
  protect?: boolean;
}

export class CatalogEncryption extends pulumi.ComponentResource {
  /** ARN of the catalog's key, for anything outside Glue that must name it. */
  readonly kmsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: CatalogEncryptionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:glue:CatalogEncryption", name, {}, opts);
    const fail = argsChecker("CatalogEncryption", name, this);
    if (!/^\d{12}$/.test(args.accountId)) fail(`accountId must be a 12-digit account id, got ${JSON.stringify(args.accountId)}`);
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(args.region)) {
      fail(`region must be a region name such as eu-west-2, got ${JSON.stringify(args.region)}`);
    }

    const key = new KmsKey(
      `${name}-key`,
      {
        accountId: args.accountId,
        alias: args.keyAlias,
        description: `Glue Data Catalog of ${args.accountId} in ${args.region}: metadata and connection passwords`,
        viaServices: [`glue.${args.region}.amazonaws.com`],
        protect: args.protect,
      },
      { parent: this },
    );
    new aws.glue.DataCatalogEncryptionSettings(
      `${name}-settings`,
      {
        catalogId: args.accountId,
        dataCatalogEncryptionSettings: {
          encryptionAtRest: { catalogEncryptionMode: "SSE-KMS", sseAwsKmsKeyId: key.arn },
          // The pipeline's connections read credentials from Secrets Manager; a password stored anyway stays encrypted.
          connectionPasswordEncryption: { returnConnectionPasswordEncrypted: true, awsKmsKeyId: key.arn },
        },
      },
      { parent: this, retainOnDelete: true },
    );

    this.kmsKeyArn = key.arn;
    this.registerOutputs({ kmsKeyArn: this.kmsKeyArn });
  }
}
