// binary-trees (the Benchmarks Game algorithm) on plain Node objects, V8's own collector:
// the baseline for the heap-API version.  node bench/gc/binary_trees_node.mjs [depth=16]

class TreeNode {
  constructor(left, right) {
    this.left = left;
    this.right = right;
  }
}

function bottomUp(d) {
  return d === 0 ? new TreeNode(null, null) : new TreeNode(bottomUp(d - 1), bottomUp(d - 1));
}

function check(t) {
  return t.left === null ? 1 : 1 + check(t.left) + check(t.right);
}

const depth = Number(process.argv[2] ?? 16);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const maxDepth = Math.max(6, depth);
const log = (line) => process.stderr.write(line + "\n");
log(`stretch tree of depth ${maxDepth + 1}\t check: ${check(bottomUp(maxDepth + 1))}`);
const longLived = bottomUp(maxDepth);
for (let d = 4; d <= maxDepth; d += 2) {
  const iterations = 1 << (maxDepth - d + 4);
  let sum = 0;
  for (let i = 0; i < iterations; i++) sum += check(bottomUp(d));
  log(`${iterations}\t trees of depth ${d}\t check: ${sum}`);
}
log(`long lived tree of depth ${maxDepth}\t check: ${check(longLived)}`);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ program: "binary-trees (plain Node)", depth, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }) + "\n");
