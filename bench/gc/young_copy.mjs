// The cost of one young collection that copies a full nursery of live objects (the binary-trees
// worst case): a complete tree of 2-slot nodes filling most of eden, one root, collected again
// and again (each collection copies it from eden or the survivor space, or promotes it).
//
//   node bench/gc/young_copy.mjs [nurseryBytes=1048576] [collections=200]
// prints ns per copied word and the CPU pause distribution of the young collections.

import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { createHeap } = require("../../dist/heap/index.js");
const POINTER = 1;

const nursery = Number(process.argv[2] ?? 1 << 20);
const rounds = Number(process.argv[3] ?? 200);
const heap = createHeap({ mode: "LowLatency", youngGenSize: nursery });
const Tree = heap.defineLayout({ name: "Tree", slots: [POINTER, POINTER] });
let root = 0;
heap.setRootScanner((visit) => {
  root = visit(root);
});
// Nodes that fit in 70% of eden (eden is 80% of the nursery; a node is 3 words).
const nodes = Math.floor((nursery * 0.8 * 0.7) / 24);
function build(n) {
  if (n <= 1) return heap.alloc(Tree);
  const l = build((n - 1) >> 1);
  const saved = root;
  root = l;
  const r = build(n - 1 - ((n - 1) >> 1));
  const left = root;
  root = saved;
  const t = heap.alloc(Tree);
  heap.setPtr(t, 0, left);
  heap.setPtr(t, 1, r);
  return t;
}
let copiedWords = 0;
heap.onEvent((e) => {
  if (e.kind === "young") copiedWords += (e.youngAfter + e.promoted) / 8;
});
const pauses = [];
for (let i = 0; i < rounds; i++) {
  root = 0;
  heap.collectYoung();
  heap.safepoint(); // old-generation work happens here, outside the measured pause
  root = build(nodes);
  const c0 = process.cpuUsage();
  heap.collectYoung();
  const c = process.cpuUsage(c0);
  pauses.push((c.user + c.system) / 1000);
  if (i === 9) copiedWords = 0; // first ten: warm-up
}
const measured = pauses.slice(10).sort((a, b) => a - b);
const total = measured.reduce((s, x) => s + x, 0);
const pick = (q) => measured[Math.min(measured.length - 1, Math.floor(q * measured.length))];
console.log(
  JSON.stringify({
    nurseryBytes: nursery,
    liveNodes: nodes,
    nsPerWord: +((total * 1e6) / copiedWords).toFixed(2),
    cpuMedianMs: +pick(0.5).toFixed(3),
    cpuP99Ms: +pick(0.99).toFixed(3),
    cpuMaxMs: +measured[measured.length - 1].toFixed(3),
  }),
);
