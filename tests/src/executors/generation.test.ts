/**
 * Reloads (DESIGN §5 "Generations") on DuckDB — both merge shapes — and on MariaDB through the local path (DuckDB
 * stages, MariaDB applies): rows missing from the new load disappear, the rest equal the new load plus later CDC, a
 * retried generation batch and replayed old-generation files change nothing (tests/src/executors/reload-scenario.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDbExecutor } from "../../../src/executors/duckdb";
import { applyBatchLocally } from "../../../src/executors/local-apply";
import { MySqlExecutor } from "../../../src/executors/mysql";
import { mysqlTestDatabase } from "../../support/databases";
import { RELOAD_META, runReloadScenario, writeReloadFiles } from "./reload-scenario";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-reload-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each(["delete-insert", "merge-into"] as const)("a reload on DuckDB (%s)", (merge) => {
  it("rebuilds the table from the new load; retries and old files change nothing", async () => {
    const duck = await DuckDbExecutor.open(":memory:", { threads: 1, merge });
    try {
      const at = await writeReloadFiles(duck.connection, path.join(dir, `duck-${merge}`));
      const problems = await runReloadScenario(
        {
          apply: async (files, generation) => {
            await duck.apply(
              RELOAD_META,
              files.map((uri) => ({ uri })),
              { generation },
            );
          },
          rows: () => duck.rows(RELOAD_META),
        },
        at,
      );
      expect(problems).toEqual([]);
    } finally {
      duck.close();
    }
  });
});

const db = mysqlTestDatabase("cdc_reload_generations");
db.describe("a reload on MariaDB", () => {
  it("rebuilds the table from the new load; retries and old files change nothing", async () => {
    const duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
    const mysql = await MySqlExecutor.connect(db.url());
    try {
      const at = await writeReloadFiles(duck.connection, path.join(dir, "mariadb"));
      const problems = await runReloadScenario(
        {
          apply: async (files, generation) => {
            await applyBatchLocally(
              { duck, mysql },
              RELOAD_META,
              files.map((uri) => ({ uri })),
              { generation },
            );
          },
          rows: () => mysql.rows(RELOAD_META),
        },
        at,
      );
      expect(problems).toEqual([]);
      // The floor is pinned once per (table, generation), whatever the retries.
      const [pins] = await mysql.connection.query("SELECT table_id, generation, floor_seq FROM _cdc_generations");
      expect(pins).toEqual([{ table_id: "dbo.Orders", generation: "etag-of-the-reload", floor_seq: "120".padStart(35, "0") }]);
    } finally {
      duck.close();
      await mysql.close();
    }
  });
});
