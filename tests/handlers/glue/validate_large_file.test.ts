/**
 * The large-file Glue job's script under the system python3 (no PySpark or boto3 there): syntax-check it and run its
 * stdlib unittest (`run_job` with a fake session and boto3). The job on local Spark, end to end with the validate
 * Lambda: validate_large_file.spark.test.ts; its message contract with DuckDB standing in: validate-large-file.test.ts.
 */
import { python } from "../../support/large-file-job";

describe("handlers/glue/validate_large_file.py", () => {
  it("compiles", () => {
    expect(() => python(["-m", "py_compile", "handlers/glue/validate_large_file.py"])).not.toThrow();
  });

  it("passes its unittest", () => {
    // unittest reports on stderr; python() throws with it when a test fails.
    const { stderr } = python(["-m", "unittest", "-v", "tests/handlers/glue/test_validate_large_file.py"]);
    expect(stderr).toMatch(/Ran 17 tests in [\d.]+s\s+OK/);
  });
});
