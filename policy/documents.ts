/**
 * Reading IAM policy documents out of resource properties, wherever a resource carries one (identity policies,
 * bucket, key, queue and topic policies), so the IAM rules see every statement in the stack.
 */

export interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** Whether a document grants to the holder (identity) or is attached to the resource it protects (resource). */
export type DocumentKind = "identity" | "resource";

export interface LocatedDocument {
  kind: DocumentKind;
  /** The resource type that owns the document, e.g. `aws:kms/key:Key`; KMS key policies may use `*` for the key. */
  owner: string;
  /** Where in the resource the document sits, for messages (`policy`, `inlinePolicies[0].policy`). */
  at: string;
  statements: Statement[];
}

const IDENTITY: Record<string, string> = {
  "aws:iam/policy:Policy": "policy",
  "aws:iam/rolePolicy:RolePolicy": "policy",
  "aws:iam/userPolicy:UserPolicy": "policy",
  "aws:iam/groupPolicy:GroupPolicy": "policy",
};
const RESOURCE: Record<string, string> = {
  "aws:s3/bucketPolicy:BucketPolicy": "policy",
  "aws:kms/key:Key": "policy",
  "aws:kms/keyPolicy:KeyPolicy": "policy",
  "aws:sqs/queuePolicy:QueuePolicy": "policy",
  "aws:sqs/queue:Queue": "policy",
  "aws:sns/topicPolicy:TopicPolicy": "policy",
  "aws:sns/topic:Topic": "policy",
};

/** Every policy document a resource's properties contain. */
export function documentsOf(type: string, props: Record<string, unknown>): LocatedDocument[] {
  const found: LocatedDocument[] = [];
  const add = (kind: DocumentKind, at: string, value: unknown) => {
    const statements = parseStatements(value);
    if (statements) found.push({ kind, owner: type, at, statements });
  };
  if (IDENTITY[type]) add("identity", IDENTITY[type], props[IDENTITY[type]]);
  if (RESOURCE[type]) add("resource", RESOURCE[type], props[RESOURCE[type]]);
  if (type === "aws:iam/role:Role" && Array.isArray(props.inlinePolicies)) {
    (props.inlinePolicies as Array<{ policy?: unknown }>).forEach((p, i) =>
      add("identity", `inlinePolicies[${i}].policy`, p?.policy),
    );
  }
  return found;
}

/** The statements of a document given as JSON text or as an object; undefined when there is none. */
export function parseStatements(value: unknown): Statement[] | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  let doc = value;
  if (typeof value === "string") {
    try {
      doc = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const statement = (doc as { Statement?: unknown }).Statement;
  if (statement === undefined) return [];
  return (Array.isArray(statement) ? statement : [statement]) as Statement[];
}

export function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** A statement's name in messages: its Sid, or its position. */
export function label(doc: LocatedDocument, index: number): string {
  const sid = doc.statements[index].Sid;
  return `${doc.at} statement ${sid ? `"${sid}"` : `#${index + 1}`}`;
}
