// Policy pack entry point (PulumiPolicy.yaml): `pulumi preview --policy-pack policy` loads it and serves the rules.
import { PolicyPack } from "@pulumi/policy";
import { policies, POLICY_PACK_NAME } from "./pack";

new PolicyPack(POLICY_PACK_NAME, { policies, enforcementLevel: "mandatory" });
