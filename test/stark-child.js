// A long-lived STARK process for the test pool (test/pool.ts): receives {id, verb, file, args},
// runs the CLI in-process in the program's folder — as the conformance tool does with a fresh
// process — and replies with exit status, stdout and stderr. Saves a Node start per program.
"use strict";
const { dirname } = require("node:path");
const { runCli } = require("../dist/src/cli/main.js");

process.on("message", ({ id, verb, file, args }) => {
  let stdout = "";
  let stderr = "";
  let status;
  try {
    process.chdir(dirname(file));
    status = runCli([verb, "--format", "json", ...args, file], {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      stdoutIsTTY: false,
      stderrIsTTY: false,
      stdinIsTTY: false,
      env: { ...process.env, NO_COLOR: "1" },
    });
  } catch (e) {
    status = 70;
    stderr += `test child: ${e && e.stack ? e.stack : e}\n`;
  }
  process.send({ id, status, stdout, stderr });
});
