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

// The project supports Node 20 (package.json engines); the AWS SDK's reminder about its future Node 22 floor would
// otherwise open every command's output. Set the variable to "false" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
require("../src/cli/main")
  .run(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
