// nn and optim against PyTorch: Linear's seeded init and SGD/Adam trajectories are compared with
// values PyTorch computed (test/fixtures/ml/reference.json, made by make_fixtures.py).

import * as fs from "fs";
import * as path from "path";
import { StarkPanic } from "../diagnostics";
import { Runtime } from "../tensor/runtime";
import type { Tensor } from "../tensor/api";
import { Autograd, Node } from "./autograd";
import { TensorHandles, releaseTensorsOnCollect } from "./handles";
import { NN } from "./nn";
import { Optim } from "./optim";
import { CopyingTestHeap, TestRoots } from "./testing/copying_heap";

const reference = JSON.parse(
  fs.readFileSync(path.join(__dirname, "../../test/fixtures/ml/reference.json"), "utf8"),
);

function setup() {
  const rt = new Runtime({ kernels: false });
  const heap = new CopyingTestHeap();
  const handles = new TensorHandles();
  releaseTensorsOnCollect(heap, handles);
  const roots = new TestRoots(heap);
  const ag = new Autograd(rt, heap, handles);
  return { rt, heap, handles, roots, ag, nn: new NN(ag), optim: new Optim(ag) };
}

function toNested(t: Tensor): number[][] {
  const [r, c] = t.shape;
  return Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => t.get([i, j])));
}

function expectClose(actual: number[] | number[][], expected: number[] | number[][], tol: number): void {
  const a = (actual as unknown[]).flat() as number[];
  const e = (expected as unknown[]).flat() as number[];
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => expect(Math.abs(v - e[i])).toBeLessThanOrEqual(tol));
}

describe("nn", () => {
  test("Linear is initialised as PyTorch does with the same seed", () => {
    const { rt, ag, nn } = setup();
    rt.manualSeed(0);
    const lin = nn.linear(4, 3);
    const w = ag.value(nn.weight(lin));
    const b = ag.value(nn.bias(lin));
    expect(w.shape).toEqual([3, 4]);
    expectClose(toNested(w), reference.linear_init_seed0.weight, 1e-7);
    expectClose([0, 1, 2].map((i) => b.get([i])), reference.linear_init_seed0.bias, 1e-7);
    expect(ag.requiresGrad(nn.weight(lin))).toBe(true);
  });

  test("Linear computes x Wᵀ + b and Sequential chains its layers", () => {
    const { rt, ag, nn } = setup();
    const lin = nn.linearFrom(
      ag.tensor(rt.from([[1, 2], [3, 4], [5, 6]], "f64"), true),
      ag.tensor(rt.from([0.5, -0.5, 1], "f64"), true),
      2,
      3,
    );
    const model = nn.sequential([lin, nn.reluModule()]);
    const y = ag.value(nn.forward(model, ag.tensor(rt.from([[1, -1], [0, 1]], "f64"))));
    // [1·1 + 2·(-1) + .5, 3 - 4 - .5, 5 - 6 + 1] = [-0.5, -1.5, 0] → relu → [0, 0, 0]
    // [2 + .5, 4 - .5, 6 + 1] = [2.5, 3.5, 7]
    expect(toNested(y)).toEqual([[0, 0, 0], [2.5, 3.5, 7]]);
    expect(nn.namedParameters(model).map(([n]) => n)).toEqual(["0.weight", "0.bias"]);
  });

  test("Linear rejects an input of the wrong width with both shapes in the message", () => {
    const { rt, ag, nn } = setup();
    const lin = nn.linear(3, 2);
    expect(() => nn.forward(lin, ag.tensor(rt.zeros([5, 4])))).toThrow(/expects input of shape \[batch, 3\], got \[5, 4\]/);
  });

  test("mse_loss is the mean squared difference", () => {
    const { rt, ag, nn } = setup();
    const loss = nn.mseLoss(ag.tensor(rt.from([1, 2, 3], "f64")), ag.tensor(rt.from([1, 0, 0], "f64")));
    expect(ag.item(loss)).toBeCloseTo((0 + 4 + 9) / 3, 12);
  });

  test("cross_entropy takes class indices as a tensor", () => {
    const { rt, ag, nn } = setup();
    const logits = ag.tensor(rt.from([[2, 0], [0, 2]], "f64"));
    const loss = nn.crossEntropy(logits, ag.tensor(rt.from([0, 1], "i32")));
    expect(ag.item(loss)).toBeCloseTo(Math.log(1 + Math.exp(-2)), 12);
  });
});

describe("optim matches PyTorch step by step", () => {
  const cases: [string, (o: Optim, ps: Node[]) => number][] = [
    ["sgd_plain", (o, ps) => o.sgd(ps, { lr: 0.1 })],
    ["sgd_momentum_wd", (o, ps) => o.sgd(ps, { lr: 0.1, momentum: 0.9, weightDecay: 0.01 })],
    ["sgd_nesterov", (o, ps) => o.sgd(ps, { lr: 0.05, momentum: 0.8, nesterov: true })],
    ["adam_default", (o, ps) => o.adam(ps)],
    ["adam_lr_wd", (o, ps) => o.adam(ps, { lr: 0.05, betas: [0.8, 0.99], weightDecay: 0.1 })],
  ];
  for (const [name, make] of cases) {
    test(name, () => {
      const { rt, heap, handles, roots, ag, nn, optim } = setup();
      const p = reference.problem;
      const x = roots.add(ag.tensor(rt.from(p.x, "f64")));
      const y = roots.add(ag.tensor(rt.from(p.y, "f64")));
      const w = roots.add(ag.tensor(rt.from(p.w0, "f64"), true));
      const opt = roots.add(make(optim, [roots.get(w)]));
      for (const expected of reference[name] as number[][][]) {
        optim.zeroGrad(roots.get(opt));
        const loss = nn.mseLoss(ag.matmul(roots.get(x), roots.get(w)), roots.get(y));
        ag.backward(loss);
        optim.step(roots.get(opt));
        expectClose(toNested(ag.value(roots.get(w))), expected, 1e-12);
        heap.collectFull(); // the loss graph dies here; the optimizer's state must not
      }
      roots.clear();
      heap.collectFull();
      expect(handles.live).toBe(0);
      expect(rt.memoryStats().liveTensors).toBe(0);
    });
  }

  test("bad hyperparameters panic instead of training on NaN", () => {
    const { rt, ag, optim } = setup();
    const w = ag.tensor(rt.zeros([2]), true);
    expect(() => optim.sgd([w], { lr: -1 })).toThrow(StarkPanic);
    expect(() => optim.adam([w], { betas: [1.5, 0.9] })).toThrow(/Invalid beta parameter at index 0/);
    expect(() => optim.sgd([ag.mulScalar(w, 2)], { lr: 0.1 })).toThrow(/not a leaf/);
  });

  test("a small MLP learns XOR with Adam (end to end)", () => {
    const { rt, ag, nn, optim } = setup();
    rt.manualSeed(3);
    const model = nn.sequential([nn.linear(2, 8, { dtype: "f64" }), nn.tanhModule(), nn.linear(8, 2, { dtype: "f64" })]);
    const opt = optim.adam(nn.parameters(model), { lr: 0.05 });
    const x = ag.tensor(rt.from([[0, 0], [0, 1], [1, 0], [1, 1]], "f64"));
    const targets = [0, 1, 1, 0];
    let loss = 0;
    for (let i = 0; i < 300; i++) {
      optim.zeroGrad(opt);
      const l = nn.crossEntropy(nn.forward(model, x), targets);
      ag.backward(l);
      optim.step(opt);
      loss = ag.item(l);
    }
    expect(loss).toBeLessThan(0.05);
    const pred = ag.value(nn.forward(model, x)).argmaxDim(1);
    expect([0, 1, 2, 3].map((i) => pred.get([i]))).toEqual(targets);
  });
});

describe("models and .pt files", () => {
  const { loadStateDict, saveStateDict } = require("./torch/state_dict") as typeof import("./torch/state_dict");
  const fixture = (n: string) => path.join(__dirname, "../../test/fixtures/ml", n);

  test("torch::load_model exposes the file's named parameters; loading them into the same layers reproduces PyTorch's output", () => {
    const { rt, heap, handles, roots, ag, nn } = setup();
    const loaded = roots.add(nn.fromStateDict(loadStateDict(rt, fixture("seq_f32.pt"))));
    heap.collectFull(); // the loaded model is a managed object like any other
    expect(nn.namedParameters(roots.get(loaded)).map(([n, p]) => [n, ag.shape(p)])).toEqual([
      ["0.weight", [4, 3]],
      ["0.bias", [4]],
      ["2.weight", [2, 4]],
      ["2.bias", [2]],
    ]);
    // Index 1 has no parameters: the file cannot say it is a ReLU, so forward shows what to build.
    expect(() => nn.forward(roots.get(loaded), ag.tensor(rt.zeros([1, 3])))).toThrow(
      /layer 1 has no parameters.*nn::Sequential::new\(vec!\[nn::Linear::new\(3, 4\), \/\* layer 1: no parameters, e.g. nn::ReLU::new\(\) \*\/, nn::Linear::new\(4, 2\)\]\).*model.load_state_dict\(&loaded\)/,
    );
    const model = roots.add(nn.sequential([nn.linear(3, 4), nn.reluModule(), nn.linear(4, 2)]));
    nn.loadParameters(roots.get(model), roots.get(loaded));
    const ref = reference.seq_f32_forward;
    const y = ag.value(nn.forward(roots.get(model), ag.tensor(rt.from(ref.x))));
    expectClose(toNested(y), ref.y, 1e-6);
    roots.clear();
    heap.collectFull();
    expect(handles.live).toBe(0);
    expect(rt.memoryStats().liveTensors).toBe(0);
  });

  test("a loaded model runs forward when its parameters alone determine the layers", () => {
    const { rt, heap, handles, roots, ag, nn } = setup();
    const x = rt.from([[0.5, -1, 2], [1.5, 0.25, -0.75]]);
    const run = (model: Node) => toNested(ag.value(nn.forward(model, ag.tensor(x.clone()))));
    const file = path.join(require("os").tmpdir(), `stark-loaded-${process.pid}.pt`);
    try {
      // One Linear ("weight", "bias"), and a Sequential of Linears at indices 0, 1 (no activation).
      for (const build of [() => nn.linear(3, 2), () => nn.sequential([nn.linear(3, 4), nn.linear(4, 2)])]) {
        const model = build();
        const expected = run(model);
        saveStateDict(nn.stateDict(model), file);
        const loaded = roots.add(nn.fromStateDict(loadStateDict(rt, file)));
        heap.collectFull();
        expectClose(run(roots.get(loaded)), expected, 0);
      }
    } finally {
      fs.rmSync(file, { force: true });
    }
    // A parameter that is no Linear's: P0105 naming it.
    const odd = nn.fromStateDict(new Map([["running_mean", { tensor: rt.zeros([3]) }]]) as never);
    expect(() => nn.forward(odd, ag.tensor(rt.zeros([1, 3])))).toThrow(/parameter "running_mean" is not a Linear layer's weight or bias/);
    x.free();
    roots.clear();
    heap.collectFull();
    expect(handles.live).toBe(0);
  });

  test("loading into different layers names the mismatch", () => {
    const { rt, ag, nn } = setup();
    const loaded = nn.fromStateDict(loadStateDict(rt, fixture("seq_f32.pt")));
    expect(() => nn.loadParameters(nn.sequential([nn.linear(3, 4)]), loaded)).toThrow(/unexpected key\(s\): "2.weight", "2.bias"/);
    expect(() => nn.loadParameters(nn.sequential([nn.linear(3, 5), nn.reluModule(), nn.linear(5, 2)]), loaded)).toThrow(
      /size mismatch for 0.weight: copying a parameter with shape \[4, 3\], the shape in the current model is \[5, 3\]/,
    );
    void ag;
  });

  test("torch::save of a trained model loads back with the same values", () => {
    const { rt, ag, nn } = setup();
    const model = nn.sequential([nn.linear(2, 3), nn.tanhModule(), nn.linear(3, 1)]);
    const file = path.join(require("os").tmpdir(), `stark-model-${process.pid}.pt`);
    saveStateDict(nn.stateDict(model), file);
    const back = nn.fromStateDict(loadStateDict(rt, file));
    fs.unlinkSync(file);
    const a = nn.namedParameters(model);
    const b = nn.namedParameters(back);
    expect(b.map(([n]) => n)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    a.forEach(([, p], i) => {
      const [x, y] = [ag.value(p), ag.value(b[i][1])];
      expect(Array.from({ length: x.numel() }, (_, k) => y.getFlat(k))).toEqual(Array.from({ length: x.numel() }, (_, k) => x.getFlat(k)));
    });
  });
});

test("Adam keeps a step count per parameter, as PyTorch does", () => {
  const { rt, ag, optim } = setup();
  const a = ag.tensor(rt.from([0.5, -1.0], "f64"), true);
  const b = ag.tensor(rt.from([2.0, 0.25], "f64"), true);
  const opt = optim.adam([a, b], { lr: 0.1 });
  (reference.adam_partial as number[][][]).forEach((expected, i) => {
    optim.zeroGrad(opt);
    const loss =
      i === 0 ? ag.sum(ag.mul(a, a)) : ag.sum(((d) => ag.mul(d, d))(ag.subScalar(ag.mul(a, b), 1)));
    ag.backward(loss);
    optim.step(opt);
    expectClose([0, 1].map((k) => ag.value(a).get([k])), expected[0], 1e-12);
    expectClose([0, 1].map((k) => ag.value(b).get([k])), expected[1], 1e-12);
  });
});
