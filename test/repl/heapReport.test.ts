// `stark run --heap-report`: the page is written, self-contained (no network, no script), and
// renders in headless Chromium with its charts; a screenshot is kept in test/repl/artifacts/.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main";

const CHROMIUM = "/usr/bin/chromium";
/** Where the screenshot goes (look at it: the charts and the table should be visible). */
const SCREENSHOT = join(tmpdir(), "stark-heap-report.png");
const program = join(__dirname, "..", "..", "examples", "tour", "04_gc_modes.stark");

function report(): string {
  const out = join(mkdtempSync(join(tmpdir(), "stark-heap-")), "report.html");
  let err = "";
  const code = runCli(["run", "--heap-report", out, program], {
    stdout: () => {},
    stderr: (s) => (err += s),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: false,
    env: {},
  });
  expect(err).toBe("");
  expect(code).toBe(0);
  return out;
}

test("the report is one self-contained page with the charts and the live-object table", () => {
  const html = readFileSync(report(), "utf8");
  for (const id of ["occupancy", "pauses", "promotions"]) expect(html).toContain(`<svg id="${id}"`);
  expect(html).toContain('<table id="live">');
  expect(html).toMatch(/pause_target \d/);
  expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
});

const hasBrowser = existsSync(CHROMIUM);
if (!hasBrowser) {
  console.warn(`test/repl/heapReport.test.ts: browser test skipped: ${CHROMIUM} not installed (apt-get install chromium)`);
  test.skip("renders in headless Chromium (skipped: no chromium)", () => {});
} else {
  test("renders in headless Chromium: charts drawn, screenshot taken", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { chromium } = require("playwright-core") as typeof import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
    try {
      const page = await browser.newPage({ javaScriptEnabled: false });
      await page.goto("file://" + report());
      for (const id of ["occupancy", "pauses", "promotions"]) {
        const box = await page.locator(`svg#${id}`).boundingBox();
        expect(box && box.width > 300 && box.height > 100).toBe(true);
      }
      expect(await page.locator("svg#occupancy path.series").count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator("svg#pauses rect.pause").count()).toBeGreaterThan(0);
      expect(await page.locator("table#live tr").count()).toBeGreaterThan(1);
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);
}
