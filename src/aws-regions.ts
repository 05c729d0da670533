/**
 * The AWS regions a stack may name in `cdc:region`. A region-shaped typo (`eu-west-9`, `us-east-3`) otherwise passes
 * every check and fails only when the provider first calls AWS, halfway through `pulumi up`.
 *
 * Data, not logic: when AWS opens a region, add it here (keep each partition's list sorted) and nothing else changes.
 * Sources for the names, any one will do:
 *   - `aws account list-regions --all-regions --query 'Regions[].RegionName'` (commercial partition; China and
 *     GovCloud need credentials of their own partition),
 *   - the `Region` enum of the AWS provider this project pins (`node_modules/@pulumi/aws/types/enums/index.d.ts`): a
 *     test checks every name below is in it, so bump `@pulumi/aws` first if the new region is missing there,
 *   - https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html.
 * The isolated (`us-iso-*`) and European Sovereign Cloud (`eusc-*`) partitions are left out: their service sets differ
 * and nothing here has been tried there; add them only together with a stack that deploys there.
 */
export const AWS_REGIONS: readonly string[] = [
  // aws (commercial)
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ca-central-1",
  "ca-west-1",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  // aws-cn (China)
  "cn-north-1",
  "cn-northwest-1",
  // aws-us-gov (GovCloud)
  "us-gov-east-1",
  "us-gov-west-1",
];
