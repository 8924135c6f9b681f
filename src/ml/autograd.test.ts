// Every differentiable op's gradient is checked against central finite differences on random f64
// inputs; and the graph, living in a moving test heap, leaks no tensor once it is unreachable.

import { StarkPanic } from "../diagnostics";
import { Runtime } from "../tensor/runtime";
import type { Shape, Tensor } from "../tensor/api";
import { Autograd, Node } from "./autograd";
import { TensorHandles, releaseTensorsOnCollect } from "./handles";
import { positiveMask } from "./tensor_ops";
import { CopyingTestHeap, TestRoots } from "./testing/copying_heap";

function setup() {
  const rt = new Runtime({ kernels: false });
  rt.manualSeed(7);
  const heap = new CopyingTestHeap();
  const handles = new TensorHandles();
  releaseTensorsOnCollect(heap, handles);
  const roots = new TestRoots(heap);
  const ag = new Autograd(rt, heap, handles);
  return { rt, heap, handles, roots, ag };
}

function unflatten(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

type Kind = "any" | "positive" | "awayFromZero";

function randomInput(rt: Runtime, shape: Shape, kind: Kind): Tensor {
  const t = rt.randn(shape, "f64");
  if (kind === "any") return t;
  const n = t.numel();
  for (let i = 0; i < n; i++) {
    const idx = unflatten(i, shape);
    const v = t.get(idx);
    if (kind === "positive") t.set(idx, Math.abs(v) + 0.5);
    else t.set(idx, v >= 0 ? v + 0.2 : v - 0.2);
  }
  return t;
}

/**
 * Checks d(sum(f(xs) * W))/dx for every input element against (L(x+h) - L(x-h)) / 2h, where W is
 * a fixed random weighting so that the gradient flowing in is not all ones.
 */
function checkGradients(shapes: Shape[], f: (ag: Autograd, xs: Node[]) => Node, kind: Kind = "any"): void {
  const { rt, heap, handles, ag } = setup();
  const xs = shapes.map((s) => ag.tensor(randomInput(rt, s, kind), true));
  const out = f(ag, xs);
  const w = ag.tensor(rt.randn(ag.shape(out), "f64"));
  const loss = ag.sum(ag.mul(out, w));
  ag.backward(loss);

  const lossAt = () => ag.noGrad(() => ag.item(ag.sum(ag.mul(f(ag, xs), w))));
  const h = 1e-6;
  for (let k = 0; k < xs.length; k++) {
    const x = ag.value(xs[k]);
    const grad = ag.grad(xs[k]);
    expect(grad).not.toBeNull();
    expect(grad!.shape).toEqual(x.shape);
    for (let i = 0; i < x.numel(); i++) {
      const idx = unflatten(i, x.shape);
      const orig = x.get(idx);
      x.set(idx, orig + h);
      const up = lossAt();
      x.set(idx, orig - h);
      const down = lossAt();
      x.set(idx, orig);
      const numeric = (up - down) / (2 * h);
      const analytic = grad!.get(idx);
      expect(Math.abs(analytic - numeric)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(numeric)));
    }
  }
  // Nothing is rooted: one collection must give every tensor back.
  heap.collectFull();
  expect(handles.live).toBe(0);
  expect(rt.memoryStats().liveTensors).toBe(0);
}

describe("gradients match central finite differences", () => {
  test("add, same shapes and broadcast", () => {
    checkGradients([[3, 4], [3, 4]], (ag, [a, b]) => ag.add(a, b));
    checkGradients([[3, 4], [4]], (ag, [a, b]) => ag.add(a, b));
    checkGradients([[3, 1], [1, 4]], (ag, [a, b]) => ag.add(a, b));
    checkGradients([[2, 3]], (ag, [a]) => ag.addScalar(a, 1.5));
  });
  test("sub, mul, div with broadcasting", () => {
    checkGradients([[3, 4], [4]], (ag, [a, b]) => ag.sub(a, b));
    checkGradients([[2, 3, 4], [3, 1]], (ag, [a, b]) => ag.mul(a, b));
    checkGradients([[2, 3, 4], [3, 1]], (ag, [a, b]) => ag.div(a, b), "awayFromZero");
    checkGradients([[4], [3, 4]], (ag, [a, b]) => ag.div(a, b), "awayFromZero");
  });
  test("scalar forms: a - s, a * s, a / s, s - a, s / a, -a", () => {
    checkGradients([[5]], (ag, [a]) => ag.subScalar(a, 2));
    checkGradients([[5]], (ag, [a]) => ag.mulScalar(a, -3));
    checkGradients([[5]], (ag, [a]) => ag.divScalar(a, 4));
    checkGradients([[5]], (ag, [a]) => ag.rsub(2, a));
    checkGradients([[5]], (ag, [a]) => ag.rdiv(3, a), "awayFromZero");
    checkGradients([[2, 2]], (ag, [a]) => ag.neg(a));
  });
  test("matmul", () => {
    checkGradients([[3, 4], [4, 5]], (ag, [a, b]) => ag.matmul(a, b));
    checkGradients([[1, 3], [3, 1]], (ag, [a, b]) => ag.matmul(a, b));
  });
  test("matmul with 1-D operands and broadcast batch dimensions", () => {
    checkGradients([[4], [4, 3]], (ag, [a, b]) => ag.matmul(a, b));
    checkGradients([[3, 4], [4]], (ag, [a, b]) => ag.matmul(a, b));
    checkGradients([[4], [4]], (ag, [a, b]) => ag.matmul(a, b));
    checkGradients([[2, 3, 4], [2, 4, 5]], (ag, [a, b]) => ag.matmul(a, b));
    checkGradients([[2, 3, 4], [4, 5]], (ag, [a, b]) => ag.matmul(a, b));
    checkGradients([[3, 4], [2, 4, 5]], (ag, [a, b]) => ag.matmul(a, b));
    checkGradients([[4], [2, 4, 5]], (ag, [a, b]) => ag.matmul(a, b));
  });
  test("exp, log, sqrt, abs", () => {
    checkGradients([[3, 4]], (ag, [a]) => ag.exp(a));
    checkGradients([[3, 4]], (ag, [a]) => ag.log(a), "positive");
    checkGradients([[3, 4]], (ag, [a]) => ag.sqrt(a), "positive");
    checkGradients([[3, 4]], (ag, [a]) => ag.abs(a), "awayFromZero");
  });
  test("linear (x @ wᵀ, nn::Linear's product)", () => {
    checkGradients([[3, 4], [5, 4]], (ag, [x, w]) => ag.linear(x, w));
    checkGradients([[1, 2], [1, 2]], (ag, [x, w]) => ag.linear(x, w));
    // behind a relu, whose gradient is masked in place, and with x used again after it
    checkGradients([[3, 4], [4, 4]], (ag, [x, w]) => ag.mul(ag.relu(ag.linear(x, w)), x), "awayFromZero");
  });
  test("relu, sigmoid, tanh", () => {
    checkGradients([[3, 4]], (ag, [a]) => ag.relu(a), "awayFromZero");
    // a transposed (non-contiguous) input and gradient take the mask-building path
    checkGradients([[3, 4]], (ag, [a]) => ag.relu(ag.t(a)), "awayFromZero");
    checkGradients([[3, 4]], (ag, [a]) => ag.sigmoid(a));
    checkGradients([[3, 4]], (ag, [a]) => ag.tanh(a));
  });
  test("softmax along each dimension", () => {
    checkGradients([[3, 4]], (ag, [a]) => ag.softmax(a, 1));
    checkGradients([[3, 4]], (ag, [a]) => ag.softmax(a, 0));
    checkGradients([[2, 3, 4]], (ag, [a]) => ag.softmax(a, -1));
  });
  test("sum and mean, over everything and along a dimension", () => {
    checkGradients([[3, 4]], (ag, [a]) => ag.sum(a));
    checkGradients([[3, 4]], (ag, [a]) => ag.mean(a));
    checkGradients([[3, 4]], (ag, [a]) => ag.sumDim(a, 0));
    checkGradients([[3, 4]], (ag, [a]) => ag.sumDim(a, 1));
    checkGradients([[2, 3, 4]], (ag, [a]) => ag.meanDim(a, 1));
    checkGradients([[2, 3, 4]], (ag, [a]) => ag.meanDim(a, -1));
  });
  test("reshape, transpose, t", () => {
    checkGradients([[3, 4]], (ag, [a]) => ag.reshape(a, [2, 6]));
    checkGradients([[2, 3, 4]], (ag, [a]) => ag.transpose(a, 0, 2));
    checkGradients([[3, 4], [3, 5]], (ag, [a, b]) => ag.matmul(ag.t(a), b));
  });
  test("cross entropy", () => {
    checkGradients([[4, 3]], (ag, [a]) => ag.crossEntropy(a, [0, 2, 1, 2]));
    // transposed (non-contiguous) logits
    checkGradients([[3, 4]], (ag, [a]) => ag.crossEntropy(ag.t(a), [0, 2, 1, 2]));
  });
  test("a composite: an input used twice, and a small MLP", () => {
    checkGradients([[3, 3]], (ag, [a]) => ag.mul(a, ag.exp(a)));
    checkGradients([[4, 3], [3, 5], [5]], (ag, [x, w, b]) => ag.tanh(ag.add(ag.matmul(x, w), b)));
  });
});

describe("autograd semantics", () => {
  test("cross entropy matches log-softmax by hand and stays finite for huge logits", () => {
    const { rt, ag } = setup();
    const logits = ag.tensor(rt.from([[1, 2, 3], [1000, 0, -1000]], "f64"));
    const loss = ag.crossEntropy(logits, [2, 0]);
    const row0 = -(3 - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)));
    expect(ag.item(loss)).toBeCloseTo((row0 + 0) / 2, 12);
  });

  test("gradients accumulate across backward calls until zeroGrad", () => {
    const { rt, ag } = setup();
    const x = ag.tensor(rt.from([1, 2, 3], "f64"), true);
    ag.backward(ag.sum(ag.mul(x, x)));
    ag.backward(ag.sum(ag.mul(x, x)));
    expect([0, 1, 2].map((i) => ag.grad(x)!.get([i]))).toEqual([4, 8, 12]);
    ag.zeroGrad(x);
    expect(ag.grad(x)).toBeNull();
  });

  test("no_grad records nothing and results do not require grad", () => {
    const { rt, ag } = setup();
    const x = ag.tensor(rt.from([1, 2], "f64"), true);
    const y = ag.noGrad(() => ag.mulScalar(x, 3));
    expect(ag.requiresGrad(y)).toBe(false);
    expect(ag.isLeaf(y)).toBe(true);
    expect(() => ag.backward(ag.sum(y))).toThrow(/does not require grad/);
  });

  test("misuse panics with PyTorch's words, never a JS error", () => {
    const { rt, ag } = setup();
    const x = ag.tensor(rt.from([1, 2], "f64"), true);
    const y = ag.mulScalar(x, 2);
    expectPanic(() => ag.backward(y), "P0105", /only for scalar outputs/);
    expectPanic(() => ag.setRequiresGrad(y), "P0105", /leaf variables/);
    expectPanic(() => ag.setRequiresGrad(ag.tensor(rt.from([1], "i32"))), "P0402", /floating point/);
    expectPanic(() => ag.crossEntropy(ag.tensor(rt.zeros([2, 3])), [0, 3]), "P0103", /out of bounds/);
    expectPanic(() => ag.crossEntropy(ag.tensor(rt.zeros([2, 3], "i32")), [0, 1]), "P0402", /floating-point logits/);
  });

  test("the graph survives moving collections while its root is rooted, and dies with it", () => {
    const { rt, heap, handles, roots, ag } = setup();
    const w = roots.add(ag.tensor(rt.from([[1, 2], [3, 4]], "f64"), true));
    const x = ag.tensor(rt.from([[1, 1]], "f64"));
    const loss = roots.add(ag.sum(ag.relu(ag.matmul(x, roots.get(w)))));
    heap.collectFull(); // moves every object: only rooted Ptrs are still valid
    ag.backward(roots.get(loss));
    expect(ag.grad(roots.get(w))!.get([1, 0])).toBe(1);
    roots.ptrs.splice(loss, 1);
    heap.collectFull();
    // Only w (its value and its gradient) is left.
    expect(handles.live).toBe(2);
    expect(rt.memoryStats().liveTensors).toBe(2);
  });
});

function expectPanic(f: () => unknown, code: string, message: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StarkPanic);
    expect((e as StarkPanic).code).toBe(code);
    expect((e as StarkPanic).message).toMatch(message);
    return;
  }
  throw new Error("expected a panic");
}

describe("the relu/abs gradient mask", () => {
  test("is exactly 0 or 1, including at 0, -0, subnormals and infinities, with and without kernels", () => {
    for (const kernels of [false, true]) {
      const rt = new Runtime({ kernels });
      const cases: [("f32" | "f64"), number[], number[]][] = [
        ["f32", [0, -0, 1.4e-45, 1e-30, 1, 3e38, -2, Infinity, -Infinity], [0, 0, 1, 1, 1, 1, 0, 1, 0]],
        ["f64", [0, -0, 5e-324, 1e-300, 1, 1e308, -2, Infinity, -Infinity], [0, 0, 1, 1, 1, 1, 0, 1, 0]],
      ];
      for (const [dtype, input, expected] of cases) {
        // 40 elements so that the SIMD kernels (when loaded) take the whole-vector path too.
        const padded = [...input, ...Array(31).fill(-0.5)];
        const t = rt.from(padded, dtype);
        const m = positiveMask(rt, t);
        expect(Array.from({ length: input.length }, (_, i) => m.getFlat(i))).toEqual(expected);
        expect(m.getFlat(padded.length - 1)).toBe(0);
        t.free();
        m.free();
      }
      expect(rt.memoryStats().liveTensors).toBe(0);
    }
  });
});
