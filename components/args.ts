/** Argument checks shared by the components: one clear line naming the component, its name and what was expected. */
import * as pulumi from "@pulumi/pulumi";

/** A `fail(why)` that throws `<Component> <name>: <why>` attached to the component, before any child is declared. */
export function argsChecker(component: string, name: string, resource: pulumi.Resource): (why: string) => never {
  return (why: string) => {
    throw new pulumi.ResourceError(`${component} ${name}: ${why}`, resource);
  };
}

/** True for a positive whole number within bounds. */
export function isIntIn(value: number | undefined, min: number, max: number): value is number {
  return value !== undefined && Number.isInteger(value) && value >= min && value <= max;
}
