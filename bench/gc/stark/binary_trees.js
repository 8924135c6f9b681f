// binary-trees (the Benchmarks Game algorithm) in plain Node, for bench/gc/stark/run.mjs.
// Usage: node binary_trees.js N
"use strict";

class Tree {
  constructor(left, right) {
    this.left = left;
    this.right = right;
  }
}

function bottomUp(d) {
  return d === 0 ? new Tree(null, null) : new Tree(bottomUp(d - 1), bottomUp(d - 1));
}

function check(t) {
  return t.left === null ? 1 : 1 + check(t.left) + check(t.right);
}

const maxDepth = Number(process.argv[2] ?? 16);
const stretch = maxDepth + 1;
console.log(`stretch tree of depth ${stretch} check: ${check(bottomUp(stretch))}`);
const longLived = bottomUp(maxDepth);
for (let d = 4; d <= maxDepth; d += 2) {
  const iterations = 1 << (maxDepth - d + 4);
  let sum = 0;
  for (let i = 0; i < iterations; i++) sum += check(bottomUp(d));
  console.log(`${iterations} trees of depth ${d} check: ${sum}`);
}
console.log(`long lived tree of depth ${maxDepth} check: ${check(longLived)}`);
