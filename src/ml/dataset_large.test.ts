// A CSV far larger than what iterating it may hold in memory: generated in a temp folder
// (200 MB by default; STARK_ML_BIG_CSV_MB changes it) and iterated in batches by a plain child
// process (see testing/stream_csv_probe.ts for why not inside jest), whose memory growth is
// bounded well below the file's size.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const MB = 1 << 20;
const FILE_MB = Number(process.env.STARK_ML_BIG_CSV_MB ?? 200);
const FEATURES = 8;
const HEAP_CAP_MB = 64;

function writeBigCsv(file: string, bytes: number): number {
  const fd = fs.openSync(file, "w");
  fs.writeSync(fd, Array.from({ length: FEATURES }, (_, i) => `f${i}`).join(",") + ",label\n");
  let written = 0;
  let row = 0;
  while (written < bytes) {
    const lines: string[] = [];
    for (let k = 0; k < 10000; k++, row++) {
      const vals: string[] = [];
      for (let c = 0; c < FEATURES; c++) vals.push((((row * 7919 + c * 104729) % 1000003) / 1000003).toFixed(13));
      lines.push(`${vals.join(",")},${row % 10}`);
    }
    written += fs.writeSync(fd, lines.join("\n") + "\n");
  }
  fs.closeSync(fd);
  return row;
}

/** Runs the probe from the TypeScript sources, transpiled on load with the project's typescript. */
function runProbe(file: string): { rows: number; batches: number; ms: number; rssGrowth: number; heapGrowth: number; liveTensors: number } {
  const bootstrap = `
    const ts = require("typescript"), fs = require("fs");
    require.extensions[".ts"] = (m, f) => m._compile(ts.transpileModule(fs.readFileSync(f, "utf8"),
      { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, f);
    require(${JSON.stringify(path.join(__dirname, "testing/stream_csv_probe.ts"))}).probe(${JSON.stringify(file)}, "label", 4096);`;
  // The child's JS heap is capped well below the file's size: a reader that kept the file (or
  // leaked rows) would die of heap exhaustion instead of finishing.
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_CAP_MB}`, "-e", bootstrap], { encoding: "utf8", cwd: path.join(__dirname, "../.."), maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test(`iterating a ${FILE_MB} MB CSV keeps memory growth bounded`, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stark-bigcsv-"));
  try {
    const file = path.join(dir, "big.csv");
    const rows = writeBigCsv(file, FILE_MB * MB);
    const result = runProbe(file);
    expect(result.rows).toBe(rows);
    expect(result.batches).toBe(Math.ceil(rows / 4096));
    expect(result.liveTensors).toBe(0);
    // Holding the file would take FILE_MB (several times that as JS strings); a streaming pass
    // holds a chunk, a batch and the parser's buffers, whatever the file's size. (RSS also
    // counts garbage V8 has not collected yet, hence the looser bound.)
    expect(result.heapGrowth / MB).toBeLessThan(HEAP_CAP_MB);
    expect(result.rssGrowth / MB).toBeLessThan(Math.min(FILE_MB / 2, 96));
    console.log(`${FILE_MB} MB CSV: ${result.rows} rows in ${result.ms} ms; heap growth ${(result.heapGrowth / MB).toFixed(1)} MB, RSS growth ${(result.rssGrowth / MB).toFixed(1)} MB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
