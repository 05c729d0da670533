/** Argument checks for the bootstrap components: one line naming the component, its name and what was expected. */
import * as pulumi from "@pulumi/pulumi";

export function argsChecker(component: string, name: string, resource: pulumi.Resource): (why: string) => never {
  return (why: string) => {
    throw new pulumi.ResourceError(`${component} ${name}: ${why}`, resource);
  };
}

export const isAccountId = (value: unknown): value is string => typeof value === "string" && /^\d{12}$/.test(value);
export const isRoleArn = (value: unknown): value is string =>
  typeof value === "string" && /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(value);
