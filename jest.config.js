/** ts-jest in transpile-only mode (tsconfig isolatedModules): type errors are `npm run typecheck`'s job, not the tests'. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  testTimeout: 30000,
  globalSetup: "<rootDir>/tests/support/global-setup.js",
  reporters: ["default", "<rootDir>/tests/support/summary-reporter.js"],
};
