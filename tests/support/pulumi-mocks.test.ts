import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { settle, StrictMocks } from "./pulumi-mocks";
import { childrenOf, one } from "./resources";

class Parent extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:index:Parent", name);
    const provider = new aws.Provider(`${name}-aws`, { region: "eu-west-2" }, { parent: this });
    new aws.sqs.Queue(`${name}-queue`, { messageRetentionSeconds: 60 }, { parent: this, provider });
    this.registerOutputs({});
  }
}

describe("StrictMocks", () => {
  it("records type, name, inputs, parent and provider of each resource", async () => {
    const mocks = new StrictMocks();
    await mocks.install("p", "s");
    new Parent("x");
    await settle();
    const parent = one(mocks.resources, "test:index:Parent", "x");
    const queue = one(mocks.resources, "aws:sqs/queue:Queue", "x-queue");
    expect(parent).toMatchObject({ urn: "urn:pulumi:s::p::test:index:Parent::x", custom: false, parent: undefined });
    expect(queue).toMatchObject({
      urn: "urn:pulumi:s::p::test:index:Parent$aws:sqs/queue:Queue::x-queue",
      parent: parent.urn,
      provider: "urn:pulumi:s::p::test:index:Parent$pulumi:providers:aws::x-aws",
      inputs: { messageRetentionSeconds: 60 },
    });
    expect(childrenOf(mocks.resources, parent).map((r) => r.name)).toEqual(["x-aws", "x-queue"]);
  });

  it("fails an invoke nobody mocked, naming the token", async () => {
    const mocks = new StrictMocks();
    await mocks.install("p", "s");
    const provider = new aws.Provider("aws", { region: "eu-west-2" });
    // The SDK drops the message on the way back, so the mock keeps it for the run to report.
    await expect(aws.getCallerIdentity({}, { provider })).rejects.toBeDefined();
    expect(mocks.errors).toEqual([
      "unmocked invoke aws:index/getCallerIdentity:getCallerIdentity({}): add it to the test's invokes",
    ]);
  });

  it("answers an invoke the test mocked", async () => {
    const mocks = new StrictMocks({
      invokes: {
        "aws:index/getCallerIdentity:getCallerIdentity": () => ({
          accountId: "111111111111",
          arn: "arn:aws:iam::111111111111:root",
          userId: "AID",
        }),
      },
    });
    await mocks.install("p", "s");
    const provider = new aws.Provider("aws", { region: "eu-west-2" });
    await expect(aws.getCallerIdentity({}, { provider })).resolves.toMatchObject({ accountId: "111111111111" });
    expect(mocks.errors).toEqual([]);
  });

  it("gives AWS resources an ARN shaped like the service's", async () => {
    const mocks = new StrictMocks({ region: "eu-west-1", accountId: "222222222222" });
    await mocks.install("p", "s");
    const provider = new aws.Provider("aws", { region: "eu-west-1" });
    const queue = new aws.sqs.Queue("q", {}, { provider });
    const arn = await new Promise((r) => queue.arn.apply(r));
    expect(arn).toBe("arn:aws:sqs:eu-west-1:222222222222:queue/q");
  });
});
