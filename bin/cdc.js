#!/usr/bin/env node
// The `cdc` command: runs the TypeScript sources directly (transpile only; `npm run typecheck` checks types).
const path = require("node:path");

// `cdc … | head` closes the pipe early; that is the reader being done, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
require("../src/cli/main")
  .run(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
