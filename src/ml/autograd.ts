// Reverse-mode automatic differentiation whose graph lives in the managed heap.
//
// Every value the ML library computes with is a *node*: a managed object (layout "GradNode") that
// owns its value tensor (a Tensor slot), the gradient accumulated into it (a Tensor slot), and —
// when it was computed by a tracked op — Pointer slots to its inputs plus one Tensor slot for
// anything extra the backward rule saved. Because inputs are Pointer slots and tensors are Tensor
// slots, the collector sees the whole graph: a node reachable from a root keeps its inputs alive,
// and when a node dies the collector hands its tensor ids to `onTensorRelease`, which frees them
// (see handles.ts). Nothing about the graph is kept in JavaScript objects.
//
// A `Node` is a heap `Ptr`: like every Ptr it is valid only until the next collection point, so
// whoever holds nodes across a safepoint must root them (frames, handle scopes). Nothing in this
// module collects.

import type { ManagedHeap, Ptr } from "../../heap/api";
import { SlotKind } from "../../heap/api";
import { StarkPanic } from "../diagnostics";
import type { Shape, Tensor, TensorRuntime } from "../tensor/api";
import type { TensorSlots } from "./handles";
import { backwardRule, keepsForwardTensors, Op } from "./grad_rules";
import { DenseTensor } from "../tensor/tensor";

export type Node = Ptr;
export { Op };

/** Slot indices of the GradNode layout. */
export enum Slot {
  Value = 0,
  Grad = 1,
  Op = 2,
  Flags = 3,
  In0 = 4,
  In1 = 5,
  Saved = 6,
  Arg0 = 7,
  Arg1 = 8,
}

const NODE_SLOTS: SlotKind[] = [
  SlotKind.Tensor, // value
  SlotKind.Tensor, // grad
  SlotKind.Scalar, // op
  SlotKind.Scalar, // flags
  SlotKind.Pointer, // input 0
  SlotKind.Pointer, // input 1
  SlotKind.Tensor, // saved tensor
  SlotKind.Scalar, // arg 0 (a dim, a scalar operand)
  SlotKind.Scalar, // arg 1
];

const REQUIRES_GRAD = 1;
/** A backward has walked this node: PyTorch has freed what its backward saved (`keepsForwardTensors`). */
const BACKWARD_DONE = 2;

/** A runtime failure of autograd use, worded as PyTorch words it. */
function autogradPanic(message: string): StarkPanic {
  return new StarkPanic("P0105", message);
}

export class Autograd {
  readonly rt: TensorRuntime;
  readonly heap: ManagedHeap;
  readonly handles: TensorSlots;
  private readonly layout: number;
  private noGradDepth = 0;

  constructor(rt: TensorRuntime, heap: ManagedHeap, handles: TensorSlots) {
    this.rt = rt;
    this.heap = heap;
    this.handles = handles;
    this.layout = heap.defineLayout({ name: "GradNode", slots: NODE_SLOTS });
  }

  // ---- creating and reading nodes ----

  /** A leaf node that takes ownership of `t`. */
  tensor(t: Tensor, requiresGrad = false): Node {
    const n = this.heap.alloc(this.layout);
    this.heap.set(n, Slot.Value, this.handles.register(t));
    this.heap.set(n, Slot.Op, Op.Leaf);
    if (requiresGrad) this.setRequiresGrad(n, true);
    return n;
  }

  isNode(p: Ptr): boolean {
    return p !== 0 && this.heap.layoutOf(p) === this.layout;
  }

  /** The node's value (borrowed: the node owns it). */
  value(n: Node): Tensor {
    return this.handles.get(this.heap.get(n, Slot.Value));
  }

  shape(n: Node): Shape {
    return this.value(n).shape;
  }

  item(n: Node): number {
    return this.value(n).item();
  }

  requiresGrad(n: Node): boolean {
    return (this.heap.get(n, Slot.Flags) & REQUIRES_GRAD) !== 0;
  }

  isLeaf(n: Node): boolean {
    return this.heap.get(n, Slot.Op) === Op.Leaf;
  }

  /** `t.requires_grad_(flag)`: only leaves, and only floating-point ones, as in PyTorch. */
  setRequiresGrad(n: Node, flag = true): void {
    if (!this.isLeaf(n)) {
      throw autogradPanic(
        "you can only change requires_grad flags of leaf variables (this tensor was computed from others; use detach() first)",
      );
    }
    if (flag && this.value(n).dtype === "i32") {
      throw new StarkPanic("P0402", "only Tensors of floating point dtype can require gradients (got i32)");
    }
    const flags = this.heap.get(n, Slot.Flags);
    this.heap.set(n, Slot.Flags, flag ? flags | REQUIRES_GRAD : flags & ~REQUIRES_GRAD);
  }

  /** `t.grad()`: the accumulated gradient of a leaf (borrowed), or null before any backward. */
  grad(n: Node): Tensor | null {
    const id = this.heap.get(n, Slot.Grad);
    return id === 0 ? null : this.handles.get(id);
  }

  /** `zero_grad`: drops the gradient (PyTorch's default `set_to_none=True`). */
  zeroGrad(n: Node): void {
    this.handles.release(this.heap.get(n, Slot.Grad));
    this.heap.set(n, Slot.Grad, 0);
  }

  /** A new leaf holding a copy of the value, outside the graph. */
  detach(n: Node): Node {
    return this.tensor(this.value(n).clone());
  }

  /**
   * Frees the node's tensors now instead of when the collector finds it dead (for an owner that
   * knows it is dropping the last reference). The node stays a valid object with no value.
   */
  release(n: Node): void {
    for (const s of [Slot.Value, Slot.Grad, Slot.Saved]) {
      this.handles.release(this.heap.get(n, s));
      this.heap.set(n, s, 0);
    }
  }

  /** `no_grad { ... }`: ops inside record no graph. */
  noGrad<T>(body: () => T): T {
    this.noGradDepth++;
    try {
      return body();
    } finally {
      this.noGradDepth--;
    }
  }

  get gradEnabled(): boolean {
    return this.noGradDepth === 0;
  }

  // ---- differentiable ops ----

  // A Node is a number (a Ptr), so tensor and scalar operands need methods of their own.
  add(a: Node, b: Node): Node {
    return this.record(Op.Add, this.value(a).add(this.value(b)), a, b);
  }
  sub(a: Node, b: Node): Node {
    return this.record(Op.Sub, this.value(a).sub(this.value(b)), a, b);
  }
  mul(a: Node, b: Node): Node {
    return this.record(Op.Mul, this.value(a).mul(this.value(b)), a, b);
  }
  div(a: Node, b: Node): Node {
    return this.record(Op.Div, this.value(a).div(this.value(b)), a, b);
  }
  addScalar(a: Node, s: number): Node {
    return this.record(Op.AddScalar, this.value(a).add(s), a, 0, s);
  }
  subScalar(a: Node, s: number): Node {
    return this.record(Op.AddScalar, this.value(a).sub(s), a, 0, -s);
  }
  mulScalar(a: Node, s: number): Node {
    return this.record(Op.MulScalar, this.value(a).mul(s), a, 0, s);
  }
  divScalar(a: Node, s: number): Node {
    return this.record(Op.MulScalar, this.value(a).div(s), a, 0, 1 / s);
  }
  /** `scalar - a` */
  rsub(scalar: number, a: Node): Node {
    return this.record(Op.Neg, this.value(a).rsub(scalar), a, 0);
  }
  /** `scalar / a` */
  rdiv(scalar: number, a: Node): Node {
    return this.record(Op.RDivScalar, this.value(a).rdiv(scalar), a, 0);
  }
  neg(a: Node): Node {
    return this.record(Op.Neg, this.value(a).neg(), a, 0);
  }
  /** `a.matmul(&b)` with PyTorch's shape rules (1-D operands, broadcast batch dimensions). */
  matmul(a: Node, b: Node): Node {
    return this.record(Op.MatMul, this.value(a).matmul(this.value(b)), a, b);
  }
  /**
   * `x @ wᵀ` for x [N, in] and w [out, in] — nn::Linear's product as one node, so backward
   * computes dw = gᵀ x straight into w's layout instead of through a transpose node.
   */
  linear(x: Node, w: Node): Node {
    const wt = this.value(w).t();
    try {
      return this.record(Op.Linear, this.value(x).matmul(wt), x, w);
    } finally {
      wt.free();
    }
  }
  exp(a: Node): Node {
    return this.record(Op.Exp, this.value(a).exp(), a, 0);
  }
  log(a: Node): Node {
    return this.record(Op.Log, this.value(a).log(), a, 0);
  }
  pow(a: Node, exponent: number): Node {
    return this.record(Op.Pow, this.value(a).pow(exponent), a, 0, exponent);
  }
  sqrt(a: Node): Node {
    return this.record(Op.Sqrt, this.value(a).sqrt(), a, 0);
  }
  abs(a: Node): Node {
    return this.record(Op.Abs, this.value(a).abs(), a, 0);
  }
  relu(a: Node): Node {
    return this.record(Op.Relu, this.value(a).relu(), a, 0);
  }
  sigmoid(a: Node): Node {
    return this.record(Op.Sigmoid, this.value(a).sigmoid(), a, 0);
  }
  tanh(a: Node): Node {
    return this.record(Op.Tanh, this.value(a).tanh(), a, 0);
  }
  softmax(a: Node, dim: number): Node {
    const out = this.value(a).softmax(dim);
    return this.record(Op.Softmax, out, a, 0, normalizeDim(dim, this.shape(a).length));
  }
  sum(a: Node): Node {
    return this.record(Op.Sum, this.value(a).sum(), a, 0);
  }
  mean(a: Node): Node {
    return this.record(Op.Mean, this.value(a).mean(), a, 0);
  }
  sumDim(a: Node, dim: number): Node {
    const out = this.value(a).sumDim(dim);
    return this.record(Op.SumDim, out, a, 0, normalizeDim(dim, this.shape(a).length));
  }
  meanDim(a: Node, dim: number): Node {
    const out = this.value(a).meanDim(dim);
    return this.record(Op.MeanDim, out, a, 0, normalizeDim(dim, this.shape(a).length));
  }
  reshape(a: Node, shape: Shape): Node {
    return this.record(Op.Reshape, this.value(a).reshape(shape), a, 0);
  }
  transpose(a: Node, d0: number, d1: number): Node {
    const out = this.value(a).transpose(d0, d1);
    const nd = this.shape(a).length;
    return this.record(Op.Transpose, out, a, 0, normalizeDim(d0, nd), normalizeDim(d1, nd));
  }
  t(a: Node): Node {
    return this.transpose(a, 0, 1);
  }

  /**
   * Mean softmax cross-entropy of `logits` [N, C] against class indices `targets` (N numbers), in
   * one op: a numerically stable log-softmax forward, and the gradient (softmax - onehot) / N
   * saved for backward, so a training step does not build a dozen nodes for its loss.
   */
  crossEntropy(logits: Node, targets: ArrayLike<number>): Node {
    const x = this.value(logits);
    if (x.shape.length !== 2 || x.shape[0] !== targets.length) {
      throw new StarkPanic(
        "P0401",
        `cross_entropy expects logits of shape [N, C] and N targets (got logits [${x.shape.join(", ")}] and ${targets.length} targets)`,
      );
    }
    const [n, c] = x.shape;
    for (let i = 0; i < n; i++) {
      const k = targets[i];
      if (!Number.isInteger(k) || k < 0 || k >= c) {
        throw new StarkPanic("P0103", `cross_entropy: target ${k} is out of bounds for ${c} classes`);
      }
    }
    if (x.dtype === "i32") throw new StarkPanic("P0402", "cross_entropy expects floating-point logits (got i32)");
    const dense = x instanceof DenseTensor && x.contiguous ? x : (x.clone() as DenseTensor);
    try {
      return this.crossEntropyRows(logits, dense, targets, n, c);
    } finally {
      if (dense !== x) dense.free();
    }
  }

  /**
   * The rows of crossEntropy over contiguous float logits, one pass each — max, log-sum-exp, the
   * loss term and the saved gradient (softmax - onehot) / N — rather than a dozen whole-tensor
   * kernels on a small [N, C] tensor. Computed in f64 and stored in the logits' dtype.
   */
  private crossEntropyRows(logits: Node, x: DenseTensor, targets: ArrayLike<number>, n: number, c: number): Node {
    const track = this.tracks(logits, 0);
    const saved = track ? this.rt.zeros([n, c], x.dtype) : null;
    // Read the storage only after allocating: a grown memory detaches earlier views of it.
    const xd = x.data();
    const sd = saved instanceof DenseTensor ? saved.data() : null;
    const sBase = saved instanceof DenseTensor ? saved.base : 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const row = x.base + i * c;
      let max = -Infinity;
      for (let j = 0; j < c; j++) if (xd[row + j] > max) max = xd[row + j];
      let sum = 0;
      for (let j = 0; j < c; j++) sum += Math.exp(xd[row + j] - max);
      const k = targets[i];
      total += Math.log(sum) - (xd[row + k] - max);
      if (sd !== null) {
        const out = sBase + i * c;
        for (let j = 0; j < c; j++) sd[out + j] = (Math.exp(xd[row + j] - max) / sum - (j === k ? 1 : 0)) / n;
      }
    }
    const loss = this.rt.full([], total / n, x.dtype);
    if (saved === null) return this.record(Op.Leaf, loss, 0, 0);
    const node = this.record(Op.CrossEntropy, loss, logits, 0);
    this.heap.set(node, Slot.Saved, this.handles.register(saved));
    return node;
  }

  // ---- backward ----

  /** `loss.backward()`: accumulates d(loss)/d(leaf) into every leaf that requires grad. */
  backward(root: Node): void {
    if (!this.requiresGrad(root)) {
      throw autogradPanic("element 0 of tensors does not require grad and does not have a grad_fn");
    }
    const rootValue = this.value(root);
    if (rootValue.numel() !== 1) {
      throw autogradPanic(
        `grad can be implicitly created only for scalar outputs (this tensor has shape [${rootValue.shape.join(", ")}])`,
      );
    }
    const order = this.topologicalOrder(root);
    // Checked before any gradient moves, so a refused second backward leaves every .grad as it was.
    for (const n of order) {
      if ((this.heap.get(n, Slot.Flags) & BACKWARD_DONE) !== 0 && keepsForwardTensors(this.heap.get(n, Slot.Op) as Op)) {
        throw autogradPanic(
          "Trying to backward through the graph a second time: the intermediate values it saved were freed by the first backward() " +
            "(STARK has no retain_graph: compute the loss again for a second backward)",
        );
      }
    }
    this.accumulate(root, this.rt.ones(rootValue.shape, rootValue.dtype));
    for (const n of order) {
      if (this.isLeaf(n)) continue;
      this.heap.set(n, Slot.Flags, this.heap.get(n, Slot.Flags) | BACKWARD_DONE);
      const gid = this.heap.get(n, Slot.Grad);
      if (gid === 0) continue;
      this.heap.set(n, Slot.Grad, 0);
      const g = this.handles.take(gid);
      const in0 = this.heap.getPtr(n, Slot.In0);
      const in1 = this.heap.getPtr(n, Slot.In1);
      const need0 = in0 !== 0 && this.requiresGrad(in0);
      const need1 = in1 !== 0 && this.requiresGrad(in1);
      let [g0, g1] = backwardRule(this, n, g, need0, need1);
      // A rule may pass `g` itself through (no copy); it then belongs to that input.
      if (g0 === g && g1 === g) g1 = g.clone();
      if (g0 !== g && g1 !== g) g.free();
      if (g0) this.accumulate(in0, g0);
      if (g1) this.accumulate(in1, g1);
    }
  }

  /** Nodes reachable from `root` through inputs that require grad, each after all its consumers. */
  private topologicalOrder(root: Node): Node[] {
    const post: Node[] = [];
    const seen = new Set<Node>([root]);
    const stack: [Node, number][] = [[root, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [n, next] = top;
      if (next < 2 && !this.isLeaf(n)) {
        top[1] = next + 1;
        const input = this.heap.getPtr(n, next === 0 ? Slot.In0 : Slot.In1);
        if (input !== 0 && this.requiresGrad(input) && !seen.has(input)) {
          seen.add(input);
          stack.push([input, 0]);
        }
        continue;
      }
      stack.pop();
      post.push(n);
    }
    return post.reverse();
  }

  /** Adds `g` (owned, consumed) into the node's gradient. */
  private accumulate(n: Node, g: Tensor): void {
    const id = this.heap.get(n, Slot.Grad);
    if (id === 0) {
      this.heap.set(n, Slot.Grad, this.handles.register(g, true));
      return;
    }
    this.handles.get(id).add_(g);
    g.free();
  }

  // ---- recording ----

  private tracks(a: Node, b: Node): boolean {
    return this.noGradDepth === 0 && ((a !== 0 && this.requiresGrad(a)) || (b !== 0 && this.requiresGrad(b)));
  }

  /** A node for `out` (owned), remembering how it was computed when gradients must flow through it. */
  private record(op: Op, out: Tensor, a: Node, b: Node, arg0 = 0, arg1 = 0): Node {
    const track = op !== Op.Leaf && this.tracks(a, b);
    const n = this.heap.alloc(this.layout);
    this.heap.set(n, Slot.Value, this.handles.register(out));
    if (!track) {
      this.heap.set(n, Slot.Op, Op.Leaf);
      return n;
    }
    this.heap.set(n, Slot.Op, op);
    this.heap.set(n, Slot.Flags, REQUIRES_GRAD);
    this.heap.setPtr(n, Slot.In0, a);
    if (b !== 0) this.heap.setPtr(n, Slot.In1, b);
    this.heap.set(n, Slot.Arg0, arg0);
    this.heap.set(n, Slot.Arg1, arg1);
    return n;
  }
}

function normalizeDim(d: number, ndim: number): number {
  return d < 0 ? d + Math.max(ndim, 1) : d;
}
