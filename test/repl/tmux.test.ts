// Runs test/repl/tmux.sh (the REPL on a real terminal) when tmux and the built CLI exist.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "..", "..");
const hasTmux = spawnSync("sh", ["-c", "command -v tmux"]).status === 0;
const built = existsSync(join(root, "dist", "src", "repl", "frontend.js"));

if (!hasTmux || !built) {
  test.skip(`REPL through tmux (skipped: ${!hasTmux ? "tmux is not installed" : "dist/ is not built"})`, () => {});
  // Say it, so a skip is never mistaken for a pass.
  console.warn(`test/repl/tmux.test.ts skipped: ${!hasTmux ? "tmux is not installed" : "run npm run build first"}`);
} else {
  test("REPL through tmux: prompts, multi-line input, E0382 across inputs, Ctrl-C, :vars, Ctrl-D, history", () => {
    const out = execFileSync("bash", [join(__dirname, "tmux.sh")], { encoding: "utf8", timeout: 60_000 });
    expect(out).toContain("PASS: tmux REPL session");
  }, 70_000);
}
