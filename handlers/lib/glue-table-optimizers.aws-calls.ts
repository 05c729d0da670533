/**
 * The AWS calls of handlers/lib/glue-table-optimizers.ts, for the poller's declaration (see handlers/aws-calls.ts).
 * Glue authorises a table optimizer's calls on the catalog, the database and the table, and the optimizer's role is
 * passed to Glue with it.
 */
import type { AwsCall } from "../aws-calls";

export const TABLE_OPTIMIZER_PUT_CALLS: AwsCall[] = [
  ...(["catalog", "database", "table"] as const).flatMap((what): AwsCall[] =>
    ["glue:CreateTableOptimizer", "glue:UpdateTableOptimizer"].map((action) => ({
      action,
      on: { glueCatalog: what },
      why: `glueTableOptimizers: ${action} is authorised on the catalog, the database and the table`,
    })),
  ),
  {
    action: "iam:PassRole",
    on: { role: "table-optimizer" },
    context: { "iam:PassedToService": "glue.amazonaws.com" },
    why: "glueTableOptimizers: the optimizer runs with the target's optimizer role",
  },
];
