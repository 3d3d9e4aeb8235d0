#!/usr/bin/env node
// Print a GitHub Actions workflow file as JSON, so Python tests can assert on its structure
// without a YAML dependency.  Parsed as YAML 1.2 (as GitHub does), where the key `on` stays
// the string "on" instead of becoming the boolean true.
// Usage: node tests/tools/workflow-json.cjs FILE
"use strict";

const { readFileSync } = require("node:fs");
const YAML = require("yaml");

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: workflow-json.cjs FILE\n");
  process.exit(2);
}
const doc = YAML.parseDocument(readFileSync(file, "utf8"), { prettyErrors: true });
if (doc.errors.length) {
  for (const err of doc.errors) process.stderr.write(`${file}: ${err.message}\n`);
  process.exit(1);
}
process.stdout.write(JSON.stringify(doc.toJS()) + "\n");
