/**
 * Regenerates the example metadata committed for the example stacks' sources:
 *   metadata/sources/sales  SQL Server `Sales`, from recorded catalog rows (sales-catalog.ts) through the extractor
 *   metadata/sources/crm    PostgreSQL `crm`, by the real extractor from a scratch database built from crm-schema.sql
 *
 *   node -r ts-node/register/transpile-only metadata/examples/regenerate.ts [postgres-server-url]
 *
 * `extractedAt` is pinned so the files are a pure function of the fixtures; tests/metadata/examples checks that the
 * committed files are exactly what this produces.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { writeExtraction, extractSource, type ExtractResult } from "../extract-source";
import { readPostgresCatalog } from "../extractors/postgres";
import { sqlServerCatalog } from "../extractors/sqlserver";
import { SALES_COLUMNS, SALES_KEYS } from "./sales-catalog";

export const EXAMPLES_EXTRACTED_AT = new Date("2026-11-22T00:00:00.000Z");
export const CRM_SCHEMA_FILE = path.join(__dirname, "crm-schema.sql");
const SOURCES_DIR = path.join(__dirname, "..", "sources");

/** Writes the `sales` example into `out`. */
export function regenerateSales(out: string): ExtractResult {
  return writeExtraction(
    { engine: "sqlserver", url: "", source: "sales", out, now: EXAMPLES_EXTRACTED_AT },
    "Sales",
    sqlServerCatalog(SALES_COLUMNS, SALES_KEYS),
  );
}

/**
 * Loads crm-schema.sql into the (empty) PostgreSQL database at `databaseUrl` and extracts it into `out`. The scratch
 * database stands in for `crm`, so the metadata names that database.
 */
export async function regenerateCrm(out: string, databaseUrl: string): Promise<ExtractResult> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(fs.readFileSync(CRM_SCHEMA_FILE, "utf8"));
  } finally {
    await c.end();
  }
  return extractSource({
    engine: "postgres",
    url: databaseUrl,
    source: "crm",
    out,
    now: EXAMPLES_EXTRACTED_AT,
    reader: async (url) => ({ ...(await readPostgresCatalog(url)), database: "crm" }),
  });
}

async function main(serverUrl: string): Promise<void> {
  const scratch = "cdc_meta_example_crm";
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${scratch}`);
  try {
    const sales = regenerateSales(path.join(SOURCES_DIR, "sales"));
    console.log(`metadata/sources/sales: ${sales.tables.length} tables${sales.changed ? "" : ", unchanged"}`);
    const crm = await regenerateCrm(path.join(SOURCES_DIR, "crm"), serverUrl.replace(/\/[^/]*$/, `/${scratch}`));
    console.log(`metadata/sources/crm: ${crm.tables.length} tables${crm.changed ? "" : ", unchanged"}`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
    await admin.end();
  }
}

if (require.main === module) {
  main(process.argv[2] ?? process.env.CDC_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres").catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
