/** The source tag a pipeline adds to what it declares on the stack's shared providers. */
import * as aws from "@pulumi/aws";
import { one } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { tagWithSource } from "../../src/source-tags";

describe("tagWithSource", () => {
  it("adds the source to a taggable resource's own tags and leaves resources without tags alone", async () => {
    const { mocks } = await runDeclarations(() => {
      const provider = new aws.Provider("p", { region: "eu-west-2" });
      const opts = { provider, transformations: [tagWithSource("sales")] };
      const queue = new aws.sqs.Queue("q", { tags: { team: "data" } }, opts);
      new aws.sqs.Queue("bare", {}, opts);
      new aws.sqs.QueuePolicy("qp", { queueUrl: queue.url, policy: "{}" }, opts);
      return {};
    });
    expect(one(mocks.resources, "aws:sqs/queue:Queue", "q").inputs.tags).toEqual({ team: "data", source: "sales" });
    expect(one(mocks.resources, "aws:sqs/queue:Queue", "bare").inputs.tags).toEqual({ source: "sales" });
    expect(one(mocks.resources, "aws:sqs/queuePolicy:QueuePolicy", "qp").inputs.tags).toBeUndefined();
  });
});
