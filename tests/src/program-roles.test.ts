/**
 * Which roles the program's providers assume: the deploy roles in `pulumi up`, the read-only preview roles in the
 * pull-request preview (CDC_AWS_ROLE=preview), and never the preview roles in an update.
 */
import * as path from "node:path";
import { loadStackFile } from "../../src/config-sources";
import { ofType, providerConfig } from "../support/resources";
import { PROJECT_DIR, runStack, STACKS } from "../support/stack";

const AWS_PROVIDER = "pulumi:providers:aws";

/** Every provider's assumed role ARNs, by provider name. */
async function rolesOf(stack: (typeof STACKS)[number], opts: Parameters<typeof runStack>[1]) {
  const { mocks } = await runStack(stack, opts);
  return Object.fromEntries(
    ofType(mocks.resources, AWS_PROVIDER).map((p) => [
      p.name,
      (providerConfig(p).assumeRoles as Array<{ roleArn: string }>).map((r) => r.roleArn),
    ]),
  );
}

describe.each(STACKS)("the roles of the %s stack", (stack) => {
  const config = loadStackFile(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`));
  const byAccount = new Map([config.accounts.ingestion, config.accounts.lake].map((a) => [a.accountId, a]));
  const accountOf = (providerName: string) => byAccount.get(providerName.split("-").pop() as string);

  it("preview (CDC_AWS_ROLE=preview) resolves every provider to its account's preview role", async () => {
    const roles = await rolesOf(stack, { preview: true, awsRole: "preview" });
    expect(Object.keys(roles).length).toBeGreaterThan(0);
    for (const [name, arns] of Object.entries(roles)) expect(arns).toEqual([accountOf(name)?.previewRoleArn]);
  });

  it("up resolves every provider to its account's deploy role, and no provider can reach a preview role", async () => {
    const roles = await rolesOf(stack, { preview: false });
    for (const [name, arns] of Object.entries(roles)) expect(arns).toEqual([accountOf(name)?.deployRoleArn]);
  });

  it("a local preview without the setting uses the deploy roles, as stored by the last up (no provider diff)", async () => {
    expect(await rolesOf(stack, { preview: true })).toEqual(await rolesOf(stack, { preview: false }));
  });
});

describe("an update with the preview roles", () => {
  it("is refused, saying why", async () => {
    await expect(runStack("dev", { preview: false, awsRole: "preview" })).rejects.toThrow(
      "CDC_AWS_ROLE=preview is for `pulumi preview` only",
    );
  });
});
