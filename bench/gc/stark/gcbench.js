// Boehm's GCBench in plain Node, the same program as gcbench.stark, for run.mjs.
// Usage: node gcbench.js STRETCH_DEPTH LONG_LIVED_DEPTH MAX_DEPTH   (original: 18 16 16)
"use strict";

const [STRETCH, LONG_LIVED, MAX] = process.argv.length > 4 ? process.argv.slice(2, 5).map(Number) : [18, 16, 16];
const ARRAY_SIZE = 500000;
const MIN_DEPTH = 4;

class Node {
  constructor(left = null, right = null) {
    this.left = left;
    this.right = right;
    this.i = 0;
    this.j = 0;
  }
}

const treeSize = (d) => 2 ** (d + 1) - 1;
const numIters = (d) => Math.floor((2 * treeSize(STRETCH)) / treeSize(d));

function populate(depth, node) {
  if (depth > 0) {
    const left = new Node();
    const right = new Node();
    populate(depth - 1, left);
    populate(depth - 1, right);
    node.left = left;
    node.right = right;
  }
}

const makeTree = (depth) => (depth <= 0 ? new Node() : new Node(makeTree(depth - 1), makeTree(depth - 1)));

function count(node) {
  let n = 1;
  if (node.left) n += count(node.left);
  if (node.right) n += count(node.right);
  return n;
}

function timeConstruction(depth) {
  const iters = numIters(depth);
  let built = 0;
  for (let i = 0; i < iters; i++) {
    const temp = new Node();
    populate(depth, temp);
    built += count(temp);
  }
  for (let i = 0; i < iters; i++) built += count(makeTree(depth));
  console.log(`depth ${depth}: ${iters} iterations top-down and bottom-up, ${built} nodes`);
}

const stretch = makeTree(STRETCH);
console.log(`stretch tree of depth ${STRETCH}: ${count(stretch)} nodes`);
const longLived = new Node();
populate(LONG_LIVED, longLived);
const array = new Float64Array(ARRAY_SIZE).map((_, i) => 1 / i);
for (let d = MIN_DEPTH; d <= MAX; d += 2) timeConstruction(d);
console.log(`long lived tree: ${count(longLived)} nodes, array[1000] = ${array[1000]}`);
