/**
 * The source rules also guard `CdcPipeline` itself: a pipeline declared from typed args, not through the program's
 * stack check, is refused with the rules' own words.
 */
import * as path from "node:path";
import { readMetadataDir } from "../../metadata/load";
import { accountProviders } from "../../src/accounts";
import type { StackConfig } from "../../src/config";
import { loadStackFile } from "../../src/config-sources";
import { CdcPipeline } from "../../src/pipeline";
import { METADATA_ROOT } from "../../src/program";
import { PROJECT_DIR, runDeclarations } from "../support/stack";

const prod = loadStackFile(path.join(PROJECT_DIR, "Pulumi.prod.yaml"));

function declarePipeline(stack: StackConfig, metadataOf: string) {
  return runDeclarations(
    () =>
      new CdcPipeline("prod-sales", {
        environment: stack.environment,
        region: stack.region,
        accounts: stack.accounts,
        providers: accountProviders("prod-stack", {
          region: stack.region,
          accounts: stack.accounts,
          role: "deploy",
          sessionName: "cdc-prod",
          defaultTags: {},
        }),
        network: { kind: stack.network.kind, vpcId: "vpc-0abc", subnetIds: ["subnet-a", "subnet-b"] },
        alerts: stack.alerts,
        source: stack.sources[0],
        metadata: readMetadataDir(path.join(METADATA_ROOT, metadataOf)),
      }),
    { stack: "prod" },
  );
}

describe("CdcPipeline with args the stack check would refuse", () => {
  it("refuses a MySQL target in a separate lake account when the VPC is created", async () => {
    await expect(declarePipeline({ ...prod, network: { kind: "create", cidrBlock: "10.20.0.0/16" } }, "sales")).rejects.toThrow(
      "CdcPipeline prod-sales: targets[0].mysql: target reporting writes to MySQL from the lake account, but cdc:network creates its VPC in the ingestion account",
    );
  });

  it("refuses metadata of another source", async () => {
    await expect(declarePipeline(prod, "crm")).rejects.toThrow(
      "CdcPipeline prod-sales: name: metadata is for source crm, expected sales",
    );
  });

  it("refuses a source secret outside the stack's region", async () => {
    const sales = prod.sources[0];
    const moved = {
      ...sales,
      endpoint: { ...sales.endpoint, secretArn: sales.endpoint.secretArn.replace("eu-west-2", "eu-west-1") },
    };
    await expect(declarePipeline({ ...prod, sources: [moved] }, "sales")).rejects.toThrow(
      "CdcPipeline prod-sales: endpoint.secretArn: secret is in region eu-west-1, but the stack is in eu-west-2 (DMS reads it there)",
    );
  });
});
