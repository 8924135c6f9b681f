#!/usr/bin/env node
"use strict";
// Entry point of the `stark` command; the CLI itself is compiled TypeScript in dist/.
require("./code-cache");
require("../dist/src/cli/main.js").main(process.argv.slice(2));
