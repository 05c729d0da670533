/**
 * The large-file Glue job is Python (PySpark is not installed here): syntax-check it and run its stdlib unittest. Its
 * contract with the validate Lambda — the message it builds — is exercised end to end in validate-large-file.test.ts.
 */
import { python } from "../../support/large-file-job";

describe("handlers/glue/validate_large_file.py", () => {
  it("compiles", () => {
    expect(() => python(["-m", "py_compile", "handlers/glue/validate_large_file.py"])).not.toThrow();
  });

  it("passes its unittest", () => {
    // unittest reports on stderr; python() throws with it when a test fails.
    const { stderr } = python(["-m", "unittest", "-v", "tests/handlers/glue/test_validate_large_file.py"]);
    expect(stderr).toMatch(/Ran 8 tests in [\d.]+s\s+OK/);
  });
});
