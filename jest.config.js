/** ts-jest in transpile-only mode (tsconfig isolatedModules): type errors are `npm run typecheck`'s job, not the tests'. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  testTimeout: 30000,
  // Two workers even on two cores (jest's default there is one): the longest files spend most of their time waiting on
  // a Spark JVM, MariaDB or moto in another process, so a second file runs in that time. Files stay independent: each
  // starts its own moto and Spark session, and holds its test database's lock (tests/support/databases.ts).
  maxWorkers: 2,
  globalSetup: "<rootDir>/tests/support/global-setup.js",
  reporters: ["default", "<rootDir>/tests/support/summary-reporter.js"],
};
