/**
 * The tags that let cost allocation split the bill: every resource of a stack carries its environment and owner (the
 * providers' default tags), and every resource of a pipeline its source, added by the pipeline since the providers
 * are shared by every source.
 */
import * as pulumi from "@pulumi/pulumi";

/** Tags on every resource of a stack (the providers' default tags): who owns it, in which environment. */
export function stackTags(environment: string): Record<string, string> {
  return { environment, "managed-by": "cdc-pipelines" };
}

/**
 * Adds the `source` tag to every taggable resource declared under a pipeline, so cost allocation still splits a
 * shared provider's resources by source. Taggable means the resource has a `tagsAll` output (every pulumi-aws
 * resource that takes `tags` has one); the tag is added to, never replaces, the resource's own tags.
 */
export function tagWithSource(source: string): pulumi.ResourceTransformation {
  return ({ props, opts }) => {
    if (!("tagsAll" in props)) return undefined;
    const tags = pulumi.output(props.tags as pulumi.Input<Record<string, string>> | undefined);
    return { props: { ...props, tags: tags.apply((t) => ({ ...t, source })) }, opts };
  };
}
