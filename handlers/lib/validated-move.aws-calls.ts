/**
 * The AWS calls of handlers/lib/validated-move.ts (validate, then move to harmonized or quarantine), composed from
 * handlers/lib/s3-objects.aws-calls.ts for the S3 helpers it uses.
 */
import type { AwsCall } from "../aws-calls";
import { copyVerifiedCalls, deleteIfUnchangedCalls, headCalls, rangeReadCalls } from "./s3-objects.aws-calls";

export const VALIDATED_MOVE_CALLS: AwsCall[] = [
  // rawObject: the raw file's version, else whether it was already moved.
  ...headCalls("raw"),
  ...headCalls("harmonized"),
  ...headCalls("quarantine"),
  ...rangeReadCalls("raw"),
  ...copyVerifiedCalls("raw", "harmonized"),
  ...copyVerifiedCalls("raw", "quarantine"),
  ...deleteIfUnchangedCalls("raw"),
  { action: "sqs:SendMessage", on: { queue: "validated" }, why: "moveByVerdict announces the harmonized file" },
  { action: "sns:Publish", on: { topic: "alerts" }, why: "a quarantined file, or a verdict from a foreign sender" },
];
