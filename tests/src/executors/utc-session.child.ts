/**
 * Child process of utc-session.test.ts, started with a TZ that is not UTC: a time zone is fixed when an engine first
 * reads it, so only a fresh process shows whether a result depends on the machine's zone. Reads `{meta, file, mysqlUrl?}`
 * as JSON on stdin, applies the file as one batch through the local flow (DuckDB, and MySQL when a URL is given) and
 * prints the target rows and what each session says about its time zone as JSON.
 */
import type { TableMetadata } from "../../../metadata/format";
import { DuckDbExecutor } from "../../../src/executors/duckdb";
import { applyBatchLocally } from "../../../src/executors/local-apply";
import { MySqlExecutor } from "../../../src/executors/mysql";

interface Input {
  meta: TableMetadata;
  file: string;
  mysqlUrl?: string;
}

async function main(input: Input): Promise<unknown> {
  const duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
  const mysql = input.mysqlUrl ? await MySqlExecutor.connect(input.mysqlUrl) : undefined;
  try {
    await applyBatchLocally({ duck, mysql }, input.meta, [{ uri: input.file }]);
    const zone = await duck.connection.runAndReadAll(
      "SELECT current_setting('TimeZone') AS tz, TIMESTAMPTZ '2024-07-01 02:30:00+00' AS instant",
    );
    const out: Record<string, unknown> = {
      processTz: process.env.TZ,
      localOffsetMinutes: new Date("2024-01-02T12:00:00Z").getTimezoneOffset(),
      duckTimeZone: zone.getRowObjectsJson()[0].tz,
      duckInstant: zone.getRowObjectsJson()[0].instant,
      duckRows: await duck.rows(input.meta),
    };
    if (mysql) {
      // A JS Date parameter shows the driver's zone; the session variable the server's.
      const [session] = await mysql.connection.query("SELECT @@session.time_zone AS tz, CAST(? AS CHAR) AS d", [
        new Date("2024-01-02T12:00:00.000Z"),
      ]);
      const [s] = session as Array<{ tz: string; d: string }>;
      Object.assign(out, { mysqlTimeZone: s.tz, mysqlDateParameter: s.d, mysqlRows: await mysql.rows(input.meta) });
    }
    return out;
  } finally {
    duck.close();
    await mysql?.close();
  }
}

let stdin = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => (stdin += chunk));
process.stdin.on("end", () => {
  main(JSON.parse(stdin) as Input).then(
    (out) => process.stdout.write(JSON.stringify(out)),
    (err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exitCode = 1;
    },
  );
});
