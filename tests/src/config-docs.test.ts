import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CONFIGURATION_DOC, CONFIGURATION_DOC_COMMAND, configKeys, configurationDoc } from "../../src/config-docs";
import { cdc } from "../support/cli";

const PROJECT_DIR = path.resolve(__dirname, "../..");

describe("docs/configuration.md", () => {
  it("is what `npm run cdc -- docs config` writes from the schema in src/config.ts", async () => {
    const file = path.join(PROJECT_DIR, CONFIGURATION_DOC);
    const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "(missing)";
    if (committed !== (await configurationDoc())) {
      throw new Error(
        `${CONFIGURATION_DOC} differs from the stack-config schema: run \`${CONFIGURATION_DOC_COMMAND}\` and commit it`,
      );
    }
  });

  it("describes every key, with its type and whether it is required or its default", () => {
    const keys = configKeys();
    expect(keys.filter((k) => k.description === "").map((k) => k.path)).toEqual([]);
    const row = (p: string) => keys.find((k) => k.path === p);
    expect(row("cdc:accounts.ingestion.previewRoleArn")).toMatchObject({ type: "string", presence: "required" });
    expect(row("cdc:accounts.lake")).toMatchObject({ type: "object", presence: "optional" });
    expect(row("cdc:sources[].targets[].mysql.port")).toMatchObject({ type: "integer 1–65535", presence: "default `3306`" });
    expect(row("cdc:sources[].targets[].tables")).toMatchObject({ type: "list of string (at least 1)", presence: "required" });
    expect(row("cdc:sources[].dms")).toMatchObject({ type: "object", presence: "optional (defaults per key)" });
    expect(row("cdc:sources[].engine")?.type).toBe('`"sqlserver"` \\| `"mysql"` \\| `"postgres"` \\| `"oracle"`');
    expect(row("cdc:alerts.emails")).toMatchObject({ type: "list of string (e-mail)", presence: "default `[]`" });
    expect(row("cdc:sources[].endpoint.password")).toMatchObject({ presence: "refused" });
    expect(row("cdc:network.create.cidrBlock")?.presence).toBe("required");
  });
});

describe("cdc docs config", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-docs-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes the reference, then --check says it is current", async () => {
    expect(await cdc("docs", "config", "--check", "-C", dir)).toMatchObject({
      code: 1,
      stdout: `${path.join(dir, CONFIGURATION_DOC)}: missing; run \`${CONFIGURATION_DOC_COMMAND}\``,
    });
    expect(await cdc("docs", "config", "-C", dir)).toMatchObject({
      code: 0,
      stdout: `${path.join(dir, CONFIGURATION_DOC)}: written`,
    });
    expect(fs.readFileSync(path.join(dir, CONFIGURATION_DOC), "utf8")).toBe(await configurationDoc());
    expect(await cdc("docs", "config", "--check", "-C", dir)).toMatchObject({ code: 0 });
    expect(await cdc("docs", "config", "-C", dir)).toMatchObject({
      code: 0,
      stdout: `${path.join(dir, CONFIGURATION_DOC)}: unchanged`,
    });
  });

  it("--check fails on an edited file and names the command that regenerates it", async () => {
    await cdc("docs", "config", "-C", dir);
    fs.appendFileSync(path.join(dir, CONFIGURATION_DOC), "\nhand edit\n");
    expect(await cdc("docs", "config", "--check", "-C", dir)).toEqual({
      code: 1,
      stdout: `${path.join(dir, CONFIGURATION_DOC)}: out of date; run \`${CONFIGURATION_DOC_COMMAND}\``,
      stderr: "",
    });
  });
});
