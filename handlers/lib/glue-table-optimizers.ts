/**
 * The Glue Data Catalog's table optimizers behind the poller's `TableOptimizers` port: CreateTableOptimizer, and
 * UpdateTableOptimizer when one of that type exists (Glue answers AlreadyExistsException), so putting the same or new
 * settings twice is harmless. A table not in the catalog yet (EntityNotFoundException) is `no-table`.
 */
import { CreateTableOptimizerCommand, UpdateTableOptimizerCommand, type GlueClient } from "@aws-sdk/client-glue";
import type { TableOptimizers } from "../core/poller/table-optimizers";

/** The optimizers of the tables of catalog `catalogId` (the lake account, where the target's database is). */
export function glueTableOptimizers(glue: GlueClient, catalogId: string): TableOptimizers {
  return {
    async put(table, type, configuration) {
      const request = {
        CatalogId: catalogId,
        DatabaseName: table.database,
        TableName: table.name,
        Type: type,
        TableOptimizerConfiguration: configuration,
      };
      try {
        await glue.send(new CreateTableOptimizerCommand(request));
        return "created";
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name === "EntityNotFoundException") return "no-table";
        if (name !== "AlreadyExistsException") throw err;
      }
      await glue.send(new UpdateTableOptimizerCommand(request));
      return "updated";
    },
  };
}
