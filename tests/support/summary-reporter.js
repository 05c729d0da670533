// Prints one plain closing line ("jest: N passed, N failed, N skipped") that CI can read whatever the runner.
// Jest always runs its own summary reporter last, so the line is written at process exit to come after it.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    const line = `jest: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`;
    process.once("exit", () => process.stderr.write(line));
  }
}
module.exports = SummaryReporter;
