#!/usr/bin/env node
// The managed heap's arena (its buffer, what the heap holds from the system) over one STARK run:
// every size it took, its peak, and its peak after it first shrank. A program that switches GC
// mode in its first statement starts on the default (Throughput) heap, whose 32 MiB nursery is
// made before the program runs and given back when the nursery is rebuilt for the new mode; the
// second peak is the arena of the mode the program runs in. run.mjs reports heap *used* against
// live data from the trace; this is the arena beside it.
//
//   npm run build && node bench/gc/stark/arena_peak.cjs PROGRAM.stark
// (the program's own output, then the figures as one JSON line on stderr)
const { resolve } = require("node:path");

const ROOT = resolve(__dirname, "../../..");
const { Arena } = require(`${ROOT}/dist/heap/arena.js`);
const resizeTo = Arena.prototype.resizeTo;
const sizes = [];
Arena.prototype.resizeTo = function (pages) {
  resizeTo.call(this, pages);
  sizes.push(this.committedBytes);
};

process.on("exit", () => {
  const MiB = (b) => Math.round((b / 2 ** 20) * 10) / 10;
  const firstShrink = sizes.findIndex((s, i) => i > 0 && s < sizes[i - 1]);
  const after = firstShrink < 0 ? [] : sizes.slice(firstShrink);
  process.stderr.write(JSON.stringify({ peakMiB: MiB(Math.max(0, ...sizes)), peakAfterFirstShrinkMiB: after.length ? MiB(Math.max(...after)) : null, resizes: sizes.length }) + "\n");
});
require(`${ROOT}/dist/src/cli/main.js`).main(["run", process.argv[2]]);
