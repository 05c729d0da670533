/**
 * The one stack check (`checkStack`): the rules that need more than the schema — the source's metadata, the stack's
 * region and accounts, its network — each refused in one exact line at its config path.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkStack, requireValidStack } from "../../src/config-check";
import { ConfigError } from "../../src/config-issues";
import { readStackFile, stackFilePath } from "../../src/config-sources";
import { METADATA_ROOT } from "../../src/program";
import { PROJECT_DIR, STACKS } from "../support/stack";

/** A fresh copy of a committed stack's raw `cdc` settings, to break one thing at a time. */
function settings(stack: "dev" | "prod"): Record<string, any> {
  return structuredClone(readStackFile(stackFilePath(stack, PROJECT_DIR))) as Record<string, any>;
}

/** The lines `checkStack` reports for `stack` after `breakIt` changed it; fails the test if it says ok. */
function problems(stack: "dev" | "prod", breakIt: (raw: Record<string, any>) => void, root = METADATA_ROOT): string[] {
  const raw = settings(stack);
  breakIt(raw);
  const result = checkStack(raw, root);
  if (result.ok) throw new Error("expected the stack to be refused");
  return result.problems;
}

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-check-"));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const copyMetadata = (from: string, to = from) =>
  fs.cpSync(path.join(METADATA_ROOT, from), path.join(root, to), { recursive: true });

describe("checkStack on the committed stacks", () => {
  it.each(STACKS)("passes %s and hands back its settings and every source's metadata", (stack) => {
    const result = checkStack(readStackFile(stackFilePath(stack, PROJECT_DIR)), METADATA_ROOT);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.stack.config.environment).toBe(stack);
    expect([...result.stack.metadata.keys()]).toEqual(["sales", "crm"]);
    expect(result.stack.metadata.get("crm")?.source.engine).toBe("postgres");
  });
});

describe("metadata a source needs", () => {
  it("refuses a source without metadata, saying how to extract it", () => {
    copyMetadata("sales");
    expect(problems("dev", () => {}, root)).toEqual([
      `cdc:sources[1]: source crm has no metadata in ${path.relative(process.cwd(), path.join(root, "crm"))}: run \`cdc metadata extract --engine postgres --url <connection> --source crm\` and commit the files`,
    ]);
  });

  it("refuses metadata the loader refuses, naming its file", () => {
    copyMetadata("sales");
    copyMetadata("crm");
    fs.rmSync(path.join(root, "crm", "tables", "public.contacts.json"));
    expect(problems("dev", () => {}, root)).toEqual([
      `cdc:sources[1]: ${path.join(root, "crm", "source.json")}: tables lists public.contacts but ${path.join(root, "crm", "tables")} has no file for it`,
    ]);
  });

  it("gives each of several loader refusals a line of its own", () => {
    copyMetadata("sales");
    copyMetadata("crm");
    const dir = path.join(root, "crm");
    const source = JSON.parse(fs.readFileSync(path.join(dir, "source.json"), "utf8"));
    for (const table of ["accounts", "contacts"]) {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, "tables", `public.${table}.json`), "utf8"));
      const upper = table[0].toUpperCase() + table.slice(1);
      fs.writeFileSync(path.join(dir, "tables", `public.${upper}.json`), JSON.stringify({ ...meta, table: upper }));
      source.tables.push(`public.${upper}`);
    }
    fs.writeFileSync(path.join(dir, "source.json"), JSON.stringify({ ...source, tables: source.tables.sort() }));
    const lines = problems("dev", () => {}, root);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^cdc:sources\\[1\\]: ${dir}/tables/public\\.accounts\\.json: .*public\\.Accounts`));
    expect(lines[1]).toMatch(new RegExp(`^cdc:sources\\[1\\]: ${dir}/tables/public\\.contacts\\.json: .*public\\.Contacts`));
  });

  it("refuses an engine other than the one the metadata was extracted from", () => {
    expect(problems("dev", (r) => (r.sources[1].engine = "mysql"))).toEqual([
      "cdc:sources[1].engine: metadata of crm was extracted from a postgres database but the stack says mysql; re-run `cdc metadata extract`",
    ]);
  });

  it("refuses another source's metadata in the source's directory", () => {
    copyMetadata("sales");
    copyMetadata("sales", "crm");
    expect(problems("dev", () => {}, root)).toEqual([
      "cdc:sources[1].engine: metadata of sales was extracted from a sqlserver database but the stack says postgres; re-run `cdc metadata extract`",
      "cdc:sources[1].name: metadata is for source sales, expected crm",
      'cdc:sources[1].targets[0].tables: glob "public.*" matches no table of source crm',
    ]);
  });
});

describe("table globs", () => {
  it("refuses each glob that matches no table, naming target, glob and source", () => {
    expect(
      problems("dev", (r) => {
        r.sources[0].targets[1].tables = ["dbo.Invoice*", "dbo.Ordr*"];
        r.sources[1].targets[0].tables = ["crm.*"];
      }),
    ).toEqual([
      'cdc:sources[0].targets[1].tables: glob "dbo.Ordr*" matches no table of source sales',
      'cdc:sources[1].targets[0].tables: glob "crm.*" matches no table of source crm',
    ]);
  });

  it("matches globs case-insensitively, as the fan-out does", () => {
    const raw = settings("dev");
    raw.sources[0].targets[1].tables = ["DBO.invoice", "Billing.SUB*"];
    expect(checkStack(raw, METADATA_ROOT).ok).toBe(true);
  });
});

describe("where the stack's parts live", () => {
  it("refuses a MySQL target in a separate lake account when the VPC is created in the ingestion account", () => {
    expect(problems("prod", (r) => (r.network = { create: { cidrBlock: "10.20.0.0/16" } }))).toEqual(
      [0, 1].map(
        (i) =>
          `cdc:sources[${i}].targets[0].mysql: target reporting writes to MySQL from the lake account, but cdc:network creates its VPC in the ingestion account; name an existing VPC whose subnets are shared with the lake account (AWS RAM) instead`,
      ),
    );
  });

  it("accepts a created VPC when the lake is the ingestion account (dev)", () => {
    expect(settings("dev").network).toEqual({ create: { cidrBlock: "10.20.0.0/16" } });
    expect(checkStack(settings("dev"), METADATA_ROOT).ok).toBe(true);
  });

  it("refuses a source secret in another region or account than the ingestion side's", () => {
    expect(
      problems("prod", (r) => {
        r.sources[0].endpoint.secretArn = "arn:aws:secretsmanager:eu-west-1:444444444444:secret:cdc/prod/sales-dms-Xy34Zw";
        r.sources[1].endpoint.secretArn = "arn:aws:secretsmanager:eu-west-2:555555555555:secret:cdc/prod/crm-dms-Uv78Wx";
      }),
    ).toEqual([
      "cdc:sources[0].endpoint.secretArn: secret is in region eu-west-1, but the stack is in eu-west-2 (DMS reads it there)",
      "cdc:sources[1].endpoint.secretArn: secret is in account 555555555555, but DMS reads it from the ingestion account 444444444444",
    ]);
  });

  it("refuses a Slack webhook secret in another region", () => {
    expect(
      problems("prod", (r) => {
        r.alerts.slackWebhookSecretArn = "arn:aws:secretsmanager:us-east-1:444444444444:secret:cdc/prod/slack-Ab12Cd";
      }),
    ).toEqual([
      "cdc:alerts.slackWebhookSecretArn: secret is in region us-east-1, but the stack is in eu-west-2 (the alert delivery reads it there)",
    ]);
  });

  it("refuses a MySQL secret outside the lake account unless it has a key of its own", () => {
    const inIngestion = "arn:aws:secretsmanager:eu-west-2:444444444444:secret:cdc/prod/reporting-mysql-Qr56St";
    expect(problems("prod", (r) => (r.sources[0].targets[0].mysql.secretArn = inIngestion))).toEqual([
      "cdc:sources[0].targets[0].mysql.secretArn: secret is in account 444444444444, but the apply job of target reporting reads it from the lake account 555555555555; to read a secret across accounts, encrypt it with a KMS key of its own, set secretKmsKeyArn and let the lake account in through the secret's policy",
    ]);
    const withKey = settings("prod");
    Object.assign(withKey.sources[0].targets[0].mysql, {
      secretArn: inIngestion,
      secretKmsKeyArn: "arn:aws:kms:eu-west-2:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    });
    expect(checkStack(withKey, METADATA_ROOT).ok).toBe(true);
  });

  it("refuses a MySQL secret in another region even with a key of its own", () => {
    expect(
      problems("prod", (r) =>
        Object.assign(r.sources[1].targets[0].mysql, {
          secretArn: "arn:aws:secretsmanager:us-east-1:555555555555:secret:cdc/prod/reporting-mysql-Qr56St",
          secretKmsKeyArn: "arn:aws:kms:us-east-1:555555555555:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        }),
      ),
    ).toEqual([
      "cdc:sources[1].targets[0].mysql.secretArn: secret is in region us-east-1, but the stack is in eu-west-2 (the apply job of target reporting reads it there)",
    ]);
  });

  it("judges secrets against the stack's own region and accounts, not the ones they were written for", () => {
    const lines = problems("prod", (r) => {
      r.region = "us-east-1";
      r.accounts.lake = {
        accountId: "666666666666",
        deployRoleArn: "arn:aws:iam::666666666666:role/cdc-deploy",
        previewRoleArn: "arn:aws:iam::666666666666:role/cdc-preview",
      };
    });
    expect(lines).toHaveLength(7);
    expect(lines).toEqual(
      expect.arrayContaining([
        "cdc:alerts.slackWebhookSecretArn: secret is in region eu-west-2, but the stack is in us-east-1 (the alert delivery reads it there)",
        "cdc:sources[0].endpoint.secretArn: secret is in region eu-west-2, but the stack is in us-east-1 (DMS reads it there)",
        "cdc:sources[0].targets[0].mysql.secretArn: secret is in account 555555555555, but the apply job of target reporting reads it from the lake account 666666666666; to read a secret across accounts, encrypt it with a KMS key of its own, set secretKmsKeyArn and let the lake account in through the secret's policy",
      ]),
    );
  });
});

describe("every problem in one pass", () => {
  it("reports schema problems and the rules' problems of the parts that validate, together and in path order", () => {
    copyMetadata("sales");
    expect(
      problems(
        "dev",
        (r) => {
          r.region = "eu-west-9";
          r.sources[0].targets[0].schedule.everyMinutes = 0;
        },
        root,
      ),
    ).toEqual([
      'cdc:region: expected a known AWS region such as eu-west-2, received "eu-west-9" (list: src/aws-regions.ts)',
      "cdc:sources[0].targets[0].schedule.everyMinutes: expected a number >= 1, received 0",
      `cdc:sources[1]: source crm has no metadata in ${path.relative(process.cwd(), path.join(root, "crm"))}: run \`cdc metadata extract --engine postgres --url <connection> --source crm\` and commit the files`,
    ]);
  });

  it("throws the problems as one ConfigError for the program", () => {
    const raw = settings("dev");
    raw.sources[1].engine = "mysql";
    expect(() => requireValidStack(raw, METADATA_ROOT)).toThrow(ConfigError);
    expect(() => requireValidStack(raw, METADATA_ROOT)).toThrow(
      "invalid stack configuration (1 problem):\n  cdc:sources[1].engine: metadata of crm was extracted from a postgres database",
    );
  });
});
