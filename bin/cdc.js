#!/usr/bin/env node
// The `cdc` command: runs the TypeScript sources directly (transpile only; `npm run typecheck` checks types).
const path = require("node:path");

require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
require("../src/cli/main")
  .run(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
