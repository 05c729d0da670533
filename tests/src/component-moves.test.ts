/**
 * Issue 13's renames and moves (FanOut → FanOutQueues with the target queues, Publication → AthenaPublication,
 * providers and the network from each pipeline to the stack) replace nothing that holds data or runs: every resource
 * the stacks had before (fixtures/urns-before-issue-13.json, their URNs as the engine formed them at b043f31) is
 * either still there or kept through an alias, decided as the engine decides it (tests/support/urns.ts). What goes
 * is only what is meant to: the per-source providers, and the VPCs the second and later sources each created.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { RecordedResource } from "../support/pulumi-mocks";
import { runStack, STACKS, type StackName } from "../support/stack";
import { resolveAliases, type AliasResolution } from "../support/urns";

const BEFORE = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "urns-before-issue-13.json"), "utf8")) as Record<
  StackName,
  string[]
>;

/** Types whose replacement loses data, messages or history, or interrupts replication. */
const STATEFUL = [
  "aws:s3/bucket:Bucket",
  "aws:kms/key:Key",
  "aws:sqs/queue:Queue",
  "aws:dms/replicationInstance:ReplicationInstance",
  "aws:dms/replicationTask:ReplicationTask",
  "aws:dms/endpoint:Endpoint",
  "aws:dms/s3Endpoint:S3Endpoint",
  "aws:glue/catalogDatabase:CatalogDatabase",
  "aws:glue/job:Job",
  "aws:lambda/function:Function",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:sns/topic:Topic",
  "aws:athena/workgroup:Workgroup",
  "awsx:ec2:Vpc",
];
const typeOf = (urn: string) => urn.split("::")[2].split("$").pop() as string;
const nameOf = (urn: string) => urn.split("::").slice(3).join("::");

describe.each(STACKS)("the %s stack after the component moves", (stack) => {
  let resolution: AliasResolution;
  let resources: RecordedResource[];
  beforeAll(async () => {
    resources = (await runStack(stack)).mocks.resources;
    resolution = resolveAliases(BEFORE[stack], resources);
  });

  it("keeps every stateful resource it had, in place or through an alias", () => {
    const lost = resolution.deleted.filter((u) => STATEFUL.includes(typeOf(u)));
    const vpcsBefore = BEFORE[stack].filter((u) => typeOf(u) === "awsx:ec2:Vpc");
    // Only VPCs go, all but one: the stack's one network keeps the first source's.
    expect(lost.every((u) => typeOf(u) === "awsx:ec2:Vpc")).toBe(true);
    expect(lost).toHaveLength(Math.max(0, vpcsBefore.length - 1));
    // What is created is new (the catalog's key, say), never a second copy of something that was deleted.
    const createdNames = new Set(resolution.created.map(nameOf));
    expect(resolution.deleted.filter((u) => STATEFUL.includes(typeOf(u)) && createdNames.has(nameOf(u)))).toEqual([]);
  });

  it("keeps the moved target queues and the renamed components' children under their old URNs", () => {
    const kept = [...resolution.kept.entries()].filter(([now, before]) => now !== before);
    const moved = (fragment: string) => kept.filter(([now]) => now.includes(fragment));
    expect(moved("cdc:lake:FanOutQueues$cdc:messaging:QueueWithDlq$aws:sqs/queue:Queue").length).toBeGreaterThan(0);
    expect(moved("cdc:lake:AthenaPublication$").length).toBeGreaterThan(0);
    for (const [, before] of kept) expect(BEFORE[stack]).toContain(before);
    // A queue keeps the one it was: same physical name before and after.
    for (const [now, before] of moved("$aws:sqs/queue:Queue")) {
      expect(nameOf(before).replace(/-target-(\w+)-queue-/, "-fan-out-queue-$1-")).toBe(nameOf(now));
    }
  });

  it("deletes the per-source providers and later sources' networks, and otherwise at most security-group rules", () => {
    const unexpected = resolution.deleted.filter(
      (u) =>
        !(typeOf(u) === "pulumi:providers:aws" && u.includes("cdc:index:CdcPipeline$")) &&
        !u.includes("cdc:network:Network") &&
        // Rules the policy pack's egress limits replaced (issue 13 item 7): stateless, recreated in the same update.
        !/^aws:vpc\/securityGroup(Egress|Ingress)Rule:/.test(typeOf(u)),
    );
    expect(unexpected).toEqual([]);
    expect(resolution.deleted.filter((u) => typeOf(u) === "pulumi:providers:aws").length).toBeGreaterThan(0);
  });

  it("declares one provider per account for the whole stack", () => {
    const providers = resources.filter((r) => r.type === "pulumi:providers:aws");
    const accounts = new Set(providers.map((p) => JSON.stringify(p.inputs.allowedAccountIds)));
    expect(providers).toHaveLength(accounts.size);
    for (const p of providers) expect(p.parent).toBeUndefined();
  });
});
