/**
 * The security invariants of every cdc-pipelines stack (issue: policy pack). Mandatory: a violation stops
 * `pulumi preview`/`up` when the pack is enabled (`pulumi preview --policy-pack policy`).
 */
import type { Policies } from "@pulumi/policy";
import { bucketsKmsEncrypted, bucketsPublicAccessBlocked, bucketsTlsOnly } from "./bucket-rules";
import {
  catalogEncrypted,
  glueJobsHaveSecurityConfiguration,
  logGroupsKmsEncrypted,
  queuesKmsEncrypted,
} from "./encryption-rules";
import { noWildcardActions, resourceWildcardOnlyWhereRequired } from "./iam-rules";
import { dmsMultiAzInProduction, noEgressToAnywhere } from "./network-rules";
import { lambdasLogAndCatchFailures, queuesHaveDeadLetterQueues } from "./runtime-rules";
import { noPlaintextSecrets } from "./secret-rules";

export const POLICY_PACK_NAME = "cdc-pipelines-security";

export const policies: Policies = [
  bucketsKmsEncrypted,
  bucketsPublicAccessBlocked,
  bucketsTlsOnly,
  noWildcardActions,
  resourceWildcardOnlyWhereRequired,
  queuesHaveDeadLetterQueues,
  lambdasLogAndCatchFailures,
  noPlaintextSecrets,
  logGroupsKmsEncrypted,
  queuesKmsEncrypted,
  glueJobsHaveSecurityConfiguration,
  catalogEncrypted,
  noEgressToAnywhere,
  dmsMultiAzInProduction,
];
