// Raw allocation rate through the heap API: small objects (two slots) allocated and
// initialised, with a safepoint every 1000 allocations so the nursery is really collected.
// Measured by mitata (per batch of 1000) and by a plain timed loop of 20 M allocations.
//   node bench/gc/alloc_rate.mjs            prints a JSON line on stdout

import { createRequire } from "node:module";
import { bench, run } from "mitata";
const require = createRequire(import.meta.url);
const { createHeap } = require("../../dist/heap/index.js");
const SCALAR = 0;
const POINTER = 1;

function makeHeap() {
  const heap = createHeap({ mode: "Throughput" });
  const Pair = heap.defineLayout({ name: "Pair", slots: [SCALAR, POINTER] });
  const roots = [0];
  heap.setRootScanner((visit) => (roots[0] = visit(roots[0])));
  return { heap, Pair, roots };
}

const BATCH = 1000;
function allocBatch({ heap, Pair, roots }) {
  for (let i = 0; i < BATCH; i++) {
    const p = heap.alloc(Pair);
    heap.set(p, 0, i);
    if ((i & 63) === 0) roots[0] = p; // a few survive each collection
  }
  heap.safepoint();
}

const h = makeHeap();
bench("alloc 1000 small objects + safepoint", () => allocBatch(h));
const mitata = await run({ format: "quiet" }).catch(() => null);
let mitataNsPerBatch = null;
try {
  mitataNsPerBatch = mitata.benchmarks[0].runs[0].stats.avg;
} catch {}

const timed = makeHeap();
for (let i = 0; i < 2000; i++) allocBatch(timed); // warm up
const N = 20_000_000;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < N / BATCH; i++) allocBatch(timed);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
const s = timed.heap.stats();
process.stdout.write(
  JSON.stringify({
    program: "raw allocation (heap API)",
    objects: N,
    wallMs,
    cpuMs,
    objectsPerSecWall: N / (wallMs / 1000),
    objectsPerSecCpu: N / (cpuMs / 1000),
    mitataObjectsPerSec: mitataNsPerBatch ? BATCH / (mitataNsPerBatch / 1e9) : null,
    youngCollections: s.youngCollections,
    gcShareWall: s.totalPauseMs / wallMs,
  }) + "\n",
);
