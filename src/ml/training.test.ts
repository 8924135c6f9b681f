// The ML library on the project's real collector (heap/): a training loop over a CSV dataset in
// GCMode::Training, with every graph, model and optimizer object in the generational heap. It
// must learn, keep tensor memory flat, and collect only at batch boundaries.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createHeap } from "../../heap";
import { Runtime } from "../tensor/runtime";
import { Autograd } from "./autograd";
import { Dataset } from "./dataset";
import { TensorHandles, releaseTensorsOnCollect } from "./handles";
import { NN } from "./nn";
import { Optim } from "./optim";
import { TrainingBoundary } from "./training";

// A small nursery, so that the tensor bytes held by dead graphs of this short run (which the heap
// counts through adjustExternalMemory) are enough to call for young collections at boundaries.
function setup(heapOptions = {}) {
  const rt = new Runtime();
  rt.manualSeed(1);
  const heap = createHeap({ mode: "Training", youngGenSize: 256 << 10 }, heapOptions);
  const handles = new TensorHandles(heap);
  releaseTensorsOnCollect(heap, handles);
  const roots: number[] = [];
  heap.setRootScanner((visit) => {
    for (let i = 0; i < roots.length; i++) roots[i] = visit(roots[i]);
  });
  const ag = new Autograd(rt, heap, handles);
  return { rt, heap, handles, roots, ag, nn: new NN(ag), optim: new Optim(ag) };
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stark-train-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Two interleaved spirals' worth of separable data: label = x0 + 2 x1 > 0.3. */
function writeData(rows: number): string {
  const file = path.join(tmp, `points${rows}.csv`);
  const lines = ["x0,x1,label"];
  let s = 7;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  for (let i = 0; i < rows; i++) {
    const [a, b] = [rand(), rand()];
    lines.push(`${a.toFixed(5)},${b.toFixed(5)},${a + 2 * b > 0.3 ? "above" : "below"}`);
  }
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

test("a CSV training loop in Training mode learns, keeps tensor memory flat and never collects inside a step", () => {
  const { rt, heap, handles, roots, ag, nn, optim } = setup();
  const boundary = new TrainingBoundary(heap, handles, 256 << 10);
  roots.push(nn.sequential([nn.linear(2, 16), nn.reluModule(), nn.linear(16, 2)]));
  roots.push(optim.adam(nn.parameters(roots[0]), { lr: 0.02 }));
  const data = Dataset.fromCsv(rt, writeData(2000), { progress: null, onBatchBoundary: () => boundary.reached() })
    .withTarget("label")
    .shuffle(5);
  const tensorsAfterEpoch: number[] = [];
  let firstLoss = NaN;
  let lastLoss = NaN;
  for (let epoch = 0; epoch < 4; epoch++) {
    for (const batch of data.batches(32)) {
      const [model, opt] = roots;
      const x = ag.tensor(batch.inputs);
      const loss = nn.crossEntropy(nn.forward(model, x), ag.tensor(batch.targets));
      optim.zeroGrad(opt);
      ag.backward(loss);
      optim.step(opt);
      lastLoss = ag.item(loss);
      if (Number.isNaN(firstLoss)) firstLoss = lastLoss;
    }
    // Between epochs, as the seed's training loop does with gc::collect(): what is live then is
    // exactly the model, the optimizer state and the data pipeline's buffers.
    heap.collectFull("end of epoch");
    tensorsAfterEpoch.push(rt.memoryStats().liveTensors);
  }
  expect(lastLoss).toBeLessThan(firstLoss / 3);
  const stats = heap.stats();
  expect(stats.youngCollections).toBeGreaterThan(0);
  expect(stats.collectionsInStep).toBe(0);
  // Flat: what is live after an epoch does not grow with the number of epochs.
  expect(tensorsAfterEpoch.slice(1)).toEqual(tensorsAfterEpoch.slice(1).map(() => tensorsAfterEpoch[0]));

  // Accuracy on the training data, under no_grad.
  let correct = 0;
  let total = 0;
  ag.noGrad(() => {
    for (const batch of data.batches(500)) {
      const pred = ag.value(nn.forward(roots[0], ag.tensor(batch.inputs))).argmaxDim(1);
      for (let i = 0; i < pred.numel(); i++) correct += pred.getFlat(i) === batch.targets.getFlat(i) ? 1 : 0;
      total += pred.numel();
      pred.free();
      batch.targets.free();
    }
  });
  expect(correct / total).toBeGreaterThan(0.95);

  roots.length = 0;
  heap.collectFull();
  expect(handles.live).toBe(0);
  expect(rt.memoryStats().liveTensors).toBe(0);
});

test("gradients are right when the collector moves the graph between forward and backward (stress + verify)", () => {
  const { rt, heap, roots, ag, nn } = setup({ stress: 1, verify: true });
  roots.push(nn.linear(3, 2, { dtype: "f64" }));
  roots.push(ag.tensor(rt.from([[1, 2, 3]], "f64")));
  roots.push(nn.mseLoss(nn.forward(roots[0], roots[1]), ag.tensor(rt.zeros([1, 2], "f64"))));
  heap.collectYoung();
  heap.collectFull();
  ag.backward(roots[2]);
  const w = ag.value(nn.weight(roots[0]));
  const b = ag.value(nn.bias(roots[0]));
  const gw = ag.grad(nn.weight(roots[0]))!;
  // loss = mean((W x + b)²) over 2 outputs: dL/dW[i][j] = (W x + b)[i] * x[j]
  for (let i = 0; i < 2; i++) {
    const yi = b.get([i]) + [0, 1, 2].reduce((acc, j) => acc + w.get([i, j]) * (j + 1), 0);
    for (let j = 0; j < 3; j++) expect(gw.get([i, j])).toBeCloseTo(yi * (j + 1), 12);
  }
});

test("an MLP trained on the Iris data set (test/fixtures/ml/iris.csv) reaches ≥ 95% training accuracy with a fixed seed", () => {
  const { rt, heap, handles, roots, ag, nn, optim } = setup();
  const boundary = new TrainingBoundary(heap, handles);
  rt.manualSeed(42);
  roots.push(nn.sequential([nn.linear(4, 16), nn.reluModule(), nn.linear(16, 3)]));
  roots.push(optim.adam(nn.parameters(roots[0]), { lr: 0.01 }));
  const iris = Dataset.fromCsv(rt, path.join(__dirname, "../../test/fixtures/ml/iris.csv"), {
    progress: null,
    onBatchBoundary: () => boundary.reached(),
  })
    .withTarget("species")
    .shuffle(7);
  for (let epoch = 0; epoch < 60; epoch++) {
    for (const batch of iris.batches(16)) {
      const [model, opt] = roots;
      const loss = nn.crossEntropy(nn.forward(model, ag.tensor(batch.inputs)), ag.tensor(batch.targets));
      optim.zeroGrad(opt);
      ag.backward(loss);
      optim.step(opt);
    }
  }
  expect(iris.classes).toEqual(["setosa", "versicolor", "virginica"]);
  let correct = 0;
  ag.noGrad(() => {
    for (const batch of iris.batches(150)) {
      const pred = ag.value(nn.forward(roots[0], ag.tensor(batch.inputs))).argmaxDim(1);
      for (let i = 0; i < pred.numel(); i++) correct += pred.getFlat(i) === batch.targets.getFlat(i) ? 1 : 0;
      pred.free();
      batch.targets.free();
    }
  });
  expect(correct / 150).toBeGreaterThanOrEqual(0.95);
  expect(heap.stats().collectionsInStep).toBe(0);
});
