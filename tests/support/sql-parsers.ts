/**
 * dt-sql-parser's Spark SQL and Trino validators for tests. The package ships ES modules without file extensions,
 * which neither Jest's CommonJS runtime nor Node can load as is, so it is bundled once into a CommonJS file (esbuild,
 * cached in the OS temp directory per package version) and required from there.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildSync } from "esbuild";

interface Validator {
  validate(sql: string): Array<{ message: string; startLine: number; startColumn: number }>;
}

interface DtSqlParser {
  SparkSQL: new () => Validator;
  TrinoSQL: new () => Validator;
}

let cached: { spark: Validator; trino: Validator } | undefined;

function load(): { spark: Validator; trino: Validator } {
  if (cached) return cached;
  const root = path.resolve(__dirname, "../..");
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "node_modules/dt-sql-parser/package.json"), "utf8")) as {
    version: string;
  };
  const bundle = path.join(os.tmpdir(), `cdc-dt-sql-parser-${pkg.version}.cjs`);
  if (!fs.existsSync(bundle)) {
    const tmp = `${bundle}.${process.pid}.tmp`;
    buildSync({
      stdin: { contents: "export { SparkSQL, TrinoSQL } from 'dt-sql-parser';", resolveDir: root, loader: "js" },
      bundle: true,
      format: "cjs",
      platform: "node",
      outfile: tmp,
      logLevel: "error",
    });
    fs.renameSync(tmp, bundle); // atomic: parallel test files never read a half-written bundle
  }
  // Node's own require: Jest's module registry would re-evaluate the 3 MB bundle in every test file.
  const real = process.getBuiltinModule("node:module") as typeof import("node:module");
  const lib = real.createRequire(__filename)(bundle) as DtSqlParser;
  cached = { spark: new lib.SparkSQL(), trino: new lib.TrinoSQL() };
  return cached;
}

/** Syntax errors dt-sql-parser finds in `sql` (empty when it parses), as `line:column message`. */
export function sqlErrors(dialect: "spark" | "trino", sql: string): string[] {
  return load()
    [dialect].validate(sql)
    .map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);
}
