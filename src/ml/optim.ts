// optim: SGD and Adam with PyTorch's update rules and defaults (LANGUAGE.md §7 `optim::`).
// An optimizer is a managed object: a Pointer slot to an array of its parameter nodes, and
// arrays of Tensor elements for its per-parameter state (momentum buffers; Adam's moments), so
// the collector keeps the parameters alive and frees the state when the optimizer dies.
// Updates work on the parameter tensors in place and record no graph.

import type { Ptr } from "../../heap/api";
import { SlotKind } from "../../heap/api";
import { StarkPanic } from "../diagnostics";
import type { Tensor } from "../tensor/api";
import type { Autograd, Node } from "./autograd";

export type Optimizer = Ptr;

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

enum SgdSlot {
  Params = 0,
  Momentum = 1,
  Lr = 2,
  MomentumFactor = 3,
  Dampening = 4,
  WeightDecay = 5,
  Nesterov = 6,
}

enum AdamSlot {
  Params = 0,
  ExpAvg = 1,
  ExpAvgSq = 2,
  Lr = 3,
  Beta1 = 4,
  Beta2 = 5,
  Eps = 6,
  WeightDecay = 7,
  /** Pointer to a Scalar array: each parameter's step count (PyTorch keeps one per parameter). */
  Steps = 8,
}

function optimPanic(message: string): StarkPanic {
  return new StarkPanic("P0105", message);
}

export class Optim {
  readonly ag: Autograd;
  private readonly sgdLayout: number;
  private readonly adamLayout: number;
  private readonly paramsLayout: number;
  private readonly stateLayout: number;
  private readonly countsLayout: number;

  constructor(ag: Autograd) {
    this.ag = ag;
    const heap = ag.heap;
    const S = SlotKind.Scalar;
    this.sgdLayout = heap.defineLayout({ name: "optim::SGD", slots: [SlotKind.Pointer, SlotKind.Pointer, S, S, S, S, S] });
    this.adamLayout = heap.defineLayout({
      name: "optim::Adam",
      slots: [SlotKind.Pointer, SlotKind.Pointer, SlotKind.Pointer, S, S, S, S, S, SlotKind.Pointer],
    });
    this.paramsLayout = heap.defineArrayLayout({ name: "optim params", element: SlotKind.Pointer });
    this.stateLayout = heap.defineArrayLayout({ name: "optim state", element: SlotKind.Tensor });
    this.countsLayout = heap.defineArrayLayout({ name: "optim step counts", element: SlotKind.Scalar });
  }

  /** `optim::SGD::new(params, lr)` with PyTorch's optional momentum, dampening, weight decay, nesterov. */
  sgd(params: Node[], options: SGDOptions): Optimizer {
    const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = options;
    checkHyper("lr", lr);
    checkHyper("momentum", momentum);
    checkHyper("weight_decay", weightDecay);
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw optimPanic("Nesterov momentum requires a momentum and zero dampening");
    }
    const heap = this.ag.heap;
    const ps = this.paramArray(params);
    const buffers = heap.allocArray(this.stateLayout, params.length);
    const opt = heap.alloc(this.sgdLayout);
    heap.setPtr(opt, SgdSlot.Params, ps);
    heap.setPtr(opt, SgdSlot.Momentum, buffers);
    heap.set(opt, SgdSlot.Lr, lr);
    heap.set(opt, SgdSlot.MomentumFactor, momentum);
    heap.set(opt, SgdSlot.Dampening, dampening);
    heap.set(opt, SgdSlot.WeightDecay, weightDecay);
    heap.set(opt, SgdSlot.Nesterov, nesterov ? 1 : 0);
    return opt;
  }

  /** `optim::Adam::new(params, lr)`; defaults lr 1e-3, betas (0.9, 0.999), eps 1e-8, as PyTorch. */
  adam(params: Node[], options: AdamOptions = {}): Optimizer {
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0 } = options;
    checkHyper("lr", lr);
    checkHyper("eps", eps);
    checkHyper("weight_decay", weightDecay);
    for (const [i, b] of betas.entries()) {
      if (!(b >= 0 && b < 1)) throw optimPanic(`Invalid beta parameter at index ${i}: ${b}`);
    }
    const heap = this.ag.heap;
    const ps = this.paramArray(params);
    const m = heap.allocArray(this.stateLayout, params.length);
    const v = heap.allocArray(this.stateLayout, params.length);
    const steps = heap.allocArray(this.countsLayout, params.length);
    const opt = heap.alloc(this.adamLayout);
    heap.setPtr(opt, AdamSlot.Params, ps);
    heap.setPtr(opt, AdamSlot.ExpAvg, m);
    heap.setPtr(opt, AdamSlot.ExpAvgSq, v);
    heap.set(opt, AdamSlot.Lr, lr);
    heap.set(opt, AdamSlot.Beta1, betas[0]);
    heap.set(opt, AdamSlot.Beta2, betas[1]);
    heap.set(opt, AdamSlot.Eps, eps);
    heap.set(opt, AdamSlot.WeightDecay, weightDecay);
    heap.setPtr(opt, AdamSlot.Steps, steps);
    return opt;
  }

  private paramArray(params: Node[]): Ptr {
    const heap = this.ag.heap;
    for (const p of params) {
      if (!this.ag.isLeaf(p) || !this.ag.requiresGrad(p)) {
        throw optimPanic("optimizer got a tensor that is not a leaf requiring grad (can't optimize a non-leaf Tensor)");
      }
    }
    const ps = heap.allocArray(this.paramsLayout, params.length);
    params.forEach((p, i) => heap.setPtr(ps, i, p));
    return ps;
  }

  /** `opt.zero_grad()`: drops every parameter's gradient (PyTorch's `set_to_none=True`). */
  zeroGrad(opt: Optimizer): void {
    const heap = this.ag.heap;
    const ps = heap.getPtr(opt, 0); // slot 0 is the parameter array in both layouts
    for (let i = 0; i < heap.length(ps); i++) this.ag.zeroGrad(heap.getPtr(ps, i));
  }

  learningRate(opt: Optimizer): number {
    return this.ag.heap.get(opt, this.isAdam(opt) ? AdamSlot.Lr : SgdSlot.Lr);
  }
  setLearningRate(opt: Optimizer, lr: number): void {
    checkHyper("lr", lr);
    this.ag.heap.set(opt, this.isAdam(opt) ? AdamSlot.Lr : SgdSlot.Lr, lr);
  }

  /** `opt.step()`: one update of every parameter that has a gradient. */
  step(opt: Optimizer): void {
    if (this.isAdam(opt)) this.adamStep(opt);
    else this.sgdStep(opt);
  }

  private isAdam(opt: Optimizer): boolean {
    const layout = this.ag.heap.layoutOf(opt);
    if (layout !== this.adamLayout && layout !== this.sgdLayout) {
      throw optimPanic(`${this.ag.heap.layoutName(layout)} is not an optimizer`);
    }
    return layout === this.adamLayout;
  }

  private sgdStep(opt: Optimizer): void {
    const heap = this.ag.heap;
    const ps = heap.getPtr(opt, SgdSlot.Params);
    const bufs = heap.getPtr(opt, SgdSlot.Momentum);
    const lr = heap.get(opt, SgdSlot.Lr);
    const momentum = heap.get(opt, SgdSlot.MomentumFactor);
    const dampening = heap.get(opt, SgdSlot.Dampening);
    const wd = heap.get(opt, SgdSlot.WeightDecay);
    const nesterov = heap.get(opt, SgdSlot.Nesterov) === 1;
    for (let i = 0; i < heap.length(ps); i++) {
      const p = heap.getPtr(ps, i);
      const grad = this.ag.grad(p);
      if (!grad) continue;
      const value = this.ag.value(p);
      // d = grad + wd * p
      let d: Tensor = grad;
      if (wd !== 0) d = addScaled(grad, value, wd);
      if (momentum !== 0) {
        const bufId = heap.get(bufs, i);
        let buf: Tensor;
        if (bufId === 0) {
          buf = d.clone();
          heap.set(bufs, i, this.ag.handles.register(buf));
        } else {
          buf = this.ag.handles.get(bufId);
          buf.mul_(momentum);
          addScaledInPlace(buf, d, 1 - dampening);
        }
        if (nesterov) {
          const nd = addScaled(d, buf, momentum);
          if (d !== grad) d.free();
          d = nd;
        } else {
          if (d !== grad) d.free();
          d = buf;
        }
      }
      addScaledInPlace(value, d, -lr);
      if (d !== grad && d !== this.bufferOf(bufs, i)) d.free();
    }
  }

  private bufferOf(bufs: Ptr, i: number): Tensor | null {
    const id = this.ag.heap.get(bufs, i);
    return id === 0 ? null : this.ag.handles.get(id);
  }

  private adamStep(opt: Optimizer): void {
    const heap = this.ag.heap;
    const handles = this.ag.handles;
    const ps = heap.getPtr(opt, AdamSlot.Params);
    const ms = heap.getPtr(opt, AdamSlot.ExpAvg);
    const vs = heap.getPtr(opt, AdamSlot.ExpAvgSq);
    const lr = heap.get(opt, AdamSlot.Lr);
    const b1 = heap.get(opt, AdamSlot.Beta1);
    const b2 = heap.get(opt, AdamSlot.Beta2);
    const eps = heap.get(opt, AdamSlot.Eps);
    const wd = heap.get(opt, AdamSlot.WeightDecay);
    const steps = heap.getPtr(opt, AdamSlot.Steps);
    for (let i = 0; i < heap.length(ps); i++) {
      const p = heap.getPtr(ps, i);
      const grad = this.ag.grad(p);
      if (!grad) continue;
      // A parameter without a gradient this time does not advance its own bias correction.
      const step = heap.get(steps, i) + 1;
      heap.set(steps, i, step);
      const bias1 = 1 - b1 ** step;
      const bias2Sqrt = Math.sqrt(1 - b2 ** step);
      const stepSize = lr / bias1;
      const value = this.ag.value(p);
      const g = wd !== 0 ? addScaled(grad, value, wd) : grad;
      if (heap.get(ms, i) === 0) {
        heap.set(ms, i, handles.register(this.ag.rt.zeros(value.shape, value.dtype)));
        heap.set(vs, i, handles.register(this.ag.rt.zeros(value.shape, value.dtype)));
      }
      const m = handles.get(heap.get(ms, i));
      const v = handles.get(heap.get(vs, i));
      // m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g²
      m.mul_(b1);
      addScaledInPlace(m, g, 1 - b1);
      v.mul_(b2);
      const g2 = g.mul(g);
      addScaledInPlace(v, g2, 1 - b2);
      g2.free();
      if (g !== grad) g.free();
      // p -= step_size * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
      const root = v.sqrt();
      const denom = root.div(bias2Sqrt);
      root.free();
      denom.add_(eps);
      const update = m.div(denom);
      denom.free();
      addScaledInPlace(value, update, -stepSize);
      update.free();
    }
  }
}

function checkHyper(name: string, v: number): void {
  if (!(v >= 0) || !Number.isFinite(v)) throw optimPanic(`Invalid ${name} value: ${v}`);
}

/** a + k * b, as a new tensor. */
function addScaled(a: Tensor, b: Tensor, k: number): Tensor {
  const kb = b.mul(k);
  const r = a.add(kb);
  kb.free();
  return r;
}

/** a += k * b */
function addScaledInPlace(a: Tensor, b: Tensor, k: number): void {
  if (k === 1) {
    a.add_(b);
    return;
  }
  const kb = b.mul(k);
  a.add_(kb);
  kb.free();
}
