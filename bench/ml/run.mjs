#!/usr/bin/env node
// One training step of an MLP — batch 64, 784 → 128 → 10, ReLU, softmax cross-entropy, SGD —
// timed side by side (issue 6):
//   STARK    the ML library (src/ml) from dist/: autograd graph in the generational heap
//            (Training mode, one batch boundary per step), tensors in the wasm runtime;
//   tfjs     @tensorflow/tfjs-core with the wasm backend, one thread;
//   PyTorch  CPU, torch.set_num_threads(1), when /usr/bin/python3 has torch. Debian's
//            python3-torch is built against the generic libblas: unless an optimized BLAS
//            provides libblas.so.3 (`apt-get install libopenblas0-serial`), its matmuls are ~40x
//            slower and the PyTorch column measures the reference BLAS, not PyTorch.
// The STARK figure is the library alone: the interpreter's overhead comes on top once the
// evaluator binds it. Target for the STARK version: ≤ 1.0 ms per step.
//
//   npm run build && node bench/ml/run.mjs [--steps N]
//
// Each column: median and mean of N timed steps after 20 warm-up steps.

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(import.meta.url);
const argSteps = process.argv.indexOf("--steps");
const STEPS = argSteps > 0 ? Number(process.argv[argSteps + 1]) : 200;
const WARMUP = 20;
const [BATCH, IN, HIDDEN, OUT, LR] = [64, 784, 128, 10, 0.01];

function summary(times) {
  const s = [...times].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], mean: times.reduce((a, b) => a + b, 0) / times.length };
}

function timeSteps(step) {
  for (let i = 0; i < WARMUP; i++) step();
  const times = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  return summary(times);
}

// ---- STARK ----
function benchStark() {
  const { Runtime } = require(join(root, "dist/src/tensor/index.js"));
  const { createHeap } = require(join(root, "dist/heap/index.js"));
  const { Autograd } = require(join(root, "dist/src/ml/autograd.js"));
  const { TensorHandles, releaseTensorsOnCollect } = require(join(root, "dist/src/ml/handles.js"));
  const { NN } = require(join(root, "dist/src/ml/nn.js"));
  const { Optim } = require(join(root, "dist/src/ml/optim.js"));
  const { TrainingBoundary } = require(join(root, "dist/src/ml/training.js"));

  const rt = new Runtime();
  rt.manualSeed(0);
  const heap = createHeap({ mode: "Training" });
  const handles = new TensorHandles(heap);
  releaseTensorsOnCollect(heap, handles);
  const roots = [];
  heap.setRootScanner((visit) => {
    for (let i = 0; i < roots.length; i++) roots[i] = visit(roots[i]);
  });
  const ag = new Autograd(rt, heap, handles);
  const boundary = new TrainingBoundary(heap, handles);
  const nn = new NN(ag);
  const optim = new Optim(ag);
  roots.push(nn.sequential([nn.linear(IN, HIDDEN), nn.reluModule(), nn.linear(HIDDEN, OUT)]));
  roots.push(optim.sgd(nn.parameters(roots[0]), { lr: LR }));
  roots.push(ag.tensor(rt.randn([BATCH, IN])));
  const targets = Array.from({ length: BATCH }, (_, i) => (i * 7) % OUT);
  let lastLoss = 0;
  const step = () => {
    boundary.reached(); // the `for batch in ds.batches(64)` loop's safe point
    const [model, opt, x] = roots;
    optim.zeroGrad(opt);
    const loss = nn.crossEntropy(nn.forward(model, x), targets);
    ag.backward(loss);
    optim.step(opt);
    lastLoss = ag.item(loss);
  };
  const firstLoss = (step(), lastLoss);
  const r = timeSteps(step);
  heap.collectFull();
  const stats = heap.stats();
  return {
    ...r,
    note: `loss ${firstLoss.toFixed(3)} → ${lastLoss.toFixed(3)}; GC young ${stats.youngCollections} (at boundary ${stats.collectionsAtBoundary}, in step ${stats.collectionsInStep}); live tensors ${rt.memoryStats().liveTensors}`,
  };
}

// ---- tfjs, wasm backend, one thread ----
async function benchTfjs() {
  let tf;
  try {
    tf = require("@tensorflow/tfjs-core");
    const wasm = require("@tensorflow/tfjs-backend-wasm");
    wasm.setThreadsCount(1);
    await tf.setBackend("wasm");
    await tf.ready();
  } catch (e) {
    console.error(`tfjs-wasm unavailable: ${e.message}`);
    return null;
  }
  const w1 = tf.variable(tf.randomUniform([IN, HIDDEN], -1 / Math.sqrt(IN), 1 / Math.sqrt(IN)));
  const b1 = tf.variable(tf.zeros([HIDDEN]));
  const w2 = tf.variable(tf.randomUniform([HIDDEN, OUT], -1 / Math.sqrt(HIDDEN), 1 / Math.sqrt(HIDDEN)));
  const b2 = tf.variable(tf.zeros([OUT]));
  const x = tf.randomNormal([BATCH, IN]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => (i * 7) % OUT), "int32"), OUT);
  // tfjs-core's CommonJS bundle registers no gradient functions (they ship as ES modules that
  // Node cannot load from it), so the backward pass is written out with tf ops: the same
  // arithmetic the STARK library's autograd performs.
  const step = () => {
    const lossValue = tf.tidy(() => {
      const z1 = tf.add(tf.matMul(x, w1), b1);
      const h = tf.relu(z1);
      const logits = tf.add(tf.matMul(h, w2), b2);
      const logp = tf.logSoftmax(logits);
      const loss = tf.neg(tf.mean(tf.sum(tf.mul(logp, labels), 1)));
      const dlogits = tf.div(tf.sub(tf.exp(logp), labels), BATCH);
      const dw2 = tf.matMul(h, dlogits, true, false);
      const db2 = tf.sum(dlogits, 0);
      const dh = tf.mul(tf.matMul(dlogits, w2, false, true), tf.cast(tf.greater(z1, 0), "float32"));
      const dw1 = tf.matMul(x, dh, true, false);
      const db1 = tf.sum(dh, 0);
      for (const [v, g] of [[w1, dw1], [b1, db1], [w2, dw2], [b2, db2]]) v.assign(tf.sub(v, tf.mul(g, LR)));
      return loss.dataSync()[0];
    });
    return lossValue;
  };
  return { ...timeSteps(step), note: `backend ${tf.getBackend()}, tfjs-core ${tf.version_core}` };
}

// ---- PyTorch, one thread ----
const TORCH_SCRIPT = `
import sys, time, torch
torch.set_num_threads(1)
torch.manual_seed(0)
B, I, H, O = 64, 784, 128, 10
model = torch.nn.Sequential(torch.nn.Linear(I, H), torch.nn.ReLU(), torch.nn.Linear(H, O))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.randn(B, I)
y = torch.tensor([(i * 7) % O for i in range(B)])
def step():
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()
for _ in range(${WARMUP}): step()
times = []
for _ in range(int(sys.argv[1])):
    t0 = time.perf_counter(); step(); times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(times[len(times) // 2], sum(times) / len(times), torch.__version__)
`;

function benchTorch() {
  const python = "/usr/bin/python3";
  if (!existsSync(python)) return null;
  try {
    const out = execFileSync(python, ["-c", TORCH_SCRIPT, String(STEPS)], {
      encoding: "utf8",
      env: { ...process.env, OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const [median, mean, version] = out.trim().split(/\s+/);
    return { median: Number(median), mean: Number(mean), note: `torch ${version}` };
  } catch (e) {
    console.error(`PyTorch unavailable: ${String(e.message).split("\n")[0]}`);
    return null;
  }
}

const results = [["STARK (library)", benchStark()], ["tfjs-wasm", await benchTfjs()], ["PyTorch CPU", benchTorch()]];
console.log(`MLP training step: batch ${BATCH}, ${IN}→${HIDDEN}→${OUT}, ReLU, softmax cross-entropy, SGD; ${STEPS} steps after ${WARMUP} warm-up`);
console.log(`${"".padEnd(16)} median ms   mean ms`);
for (const [name, r] of results) {
  if (!r) console.log(`${name.padEnd(16)} (not available)`);
  else console.log(`${name.padEnd(16)} ${r.median.toFixed(3).padStart(9)} ${r.mean.toFixed(3).padStart(9)}   ${r.note}`);
}
const stark = results[0][1];
console.log(`target: STARK ≤ 1.0 ms per step — ${stark.median <= 1 ? "met" : "not met"} by the library alone`);
