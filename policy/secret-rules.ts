/**
 * No plaintext secret in any resource input: credentials are referenced by Secrets Manager ARN only (DESIGN §3).
 * Two signals: a property named like a credential holding a literal value, and any value shaped like a known secret.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";

/** Property names that hold credentials. */
const CREDENTIAL_NAME = /(password|passwd|passphrase|secret|token|api[-_]?key|private[-_]?key|credentials?)$/i;
/** Values that are references, not secrets. */
const REFERENCE_VALUE = /^(arn:aws[a-z-]*:(secretsmanager|ssm|kms):|\{\{resolve:)/;

/** Values recognisable as secrets wherever they appear. */
export const SECRET_SHAPES: Array<[string, RegExp]> = [
  ["an AWS access key id", /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ["a private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["a Slack webhook URL", /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/],
  ["a Slack token", /\bxox[abposr]-[A-Za-z0-9-]{10,}/],
  ["a URL with a password", /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i],
];

export interface SecretFinding {
  path: string;
  what: string;
}

/** Every plaintext secret in a property tree, with its path (`environment.variables.DB_PASSWORD`). */
export function findPlaintextSecrets(value: unknown, at = ""): SecretFinding[] {
  if (typeof value === "string") {
    const key =
      at
        .split(/[.[\]]/)
        .filter(Boolean)
        .pop() ?? "";
    const found: SecretFinding[] = [];
    // Names that merely point at a secret (`secretsManagerSecretId`, `SLACK_WEBHOOK_SECRET_ARN`) do not end like one.
    if (value !== "" && CREDENTIAL_NAME.test(key) && !REFERENCE_VALUE.test(value)) {
      found.push({ path: at, what: "a literal credential" });
    }
    for (const [what, shape] of SECRET_SHAPES) {
      if (shape.test(value)) found.push({ path: at, what });
    }
    return found;
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findPlaintextSecrets(v, `${at}[${i}]`));
  if (value !== null && typeof value === "object") {
    // Pulumi secrets still reach the provider as plaintext; unwrap them like any other value.
    const inner = (value as { value?: unknown }).value;
    if (value.constructor?.name === "Secret" && inner !== undefined) return findPlaintextSecrets(inner, at);
    return Object.entries(value).flatMap(([k, v]) => findPlaintextSecrets(v, at ? `${at}.${k}` : k));
  }
  return [];
}

export const noPlaintextSecrets: ResourceValidationPolicy = {
  name: "no-plaintext-secrets",
  description: "No resource input holds a plaintext secret; reference it by Secrets Manager ARN instead.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    for (const f of findPlaintextSecrets(args.props)) {
      report(`${args.type} ${args.name}: ${f.path} holds ${f.what}; store it in Secrets Manager and pass the secret's ARN`);
    }
  },
};
