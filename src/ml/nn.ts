// nn: layers, models and losses (LANGUAGE.md §7 `nn::`). A model is a managed object like every
// other STARK object: a Linear layer is a "Linear" object whose Pointer slots hold its weight and
// bias nodes, a Sequential is an array of Pointers to its layers, and activations are slot-less
// objects, so the collector traces a model to its parameters and their tensors.

import type { Ptr } from "../../heap/api";
import { SlotKind } from "../../heap/api";
import { StarkPanic } from "../diagnostics";
import type { DType, Tensor } from "../tensor/api";
import type { Autograd, Node } from "./autograd";

/** A module: a Linear, an activation or a Sequential (a heap Ptr). */
export type Module = Ptr;

enum LinearSlot {
  Weight = 0,
  Bias = 1,
  In = 2,
  Out = 3,
}

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
}

export class NN {
  readonly ag: Autograd;
  private readonly linearLayout: number;
  private readonly reluLayout: number;
  private readonly sigmoidLayout: number;
  private readonly tanhLayout: number;
  private readonly sequentialLayout: number;

  constructor(ag: Autograd) {
    this.ag = ag;
    const heap = ag.heap;
    this.linearLayout = heap.defineLayout({
      name: "nn::Linear",
      slots: [SlotKind.Pointer, SlotKind.Pointer, SlotKind.Scalar, SlotKind.Scalar],
    });
    this.reluLayout = heap.defineLayout({ name: "nn::ReLU", slots: [] });
    this.sigmoidLayout = heap.defineLayout({ name: "nn::Sigmoid", slots: [] });
    this.tanhLayout = heap.defineLayout({ name: "nn::Tanh", slots: [] });
    this.sequentialLayout = heap.defineArrayLayout({ name: "nn::Sequential", element: SlotKind.Pointer });
  }

  // ---- building models ----

  /**
   * `nn::Linear::new(in, out)`: y = x Wᵀ + b with W [out, in] and b [out], both initialised as
   * PyTorch does — uniform in ±1/sqrt(in), weight first, from the seeded global generator.
   */
  linear(inFeatures: number, outFeatures: number, options: LinearOptions = {}): Module {
    for (const [what, n] of [["in_features", inFeatures], ["out_features", outFeatures]] as const) {
      if (!Number.isInteger(n) || n <= 0) {
        throw new StarkPanic("P0401", `nn::Linear: ${what} must be a positive integer (got ${n})`);
      }
    }
    const dtype = options.dtype ?? "f32";
    const bound = 1 / Math.sqrt(inFeatures);
    const weight = this.ag.tensor(this.uniform([outFeatures, inFeatures], bound, dtype), true);
    const bias = options.bias === false ? 0 : this.ag.tensor(this.uniform([outFeatures], bound, dtype), true);
    return this.linearFrom(weight, bias, inFeatures, outFeatures);
  }

  /** A Linear layer around existing parameter nodes (loading a state dict). */
  linearFrom(weight: Node, bias: Node, inFeatures: number, outFeatures: number): Module {
    const heap = this.ag.heap;
    const m = heap.alloc(this.linearLayout);
    heap.setPtr(m, LinearSlot.Weight, weight);
    if (bias !== 0) heap.setPtr(m, LinearSlot.Bias, bias);
    heap.set(m, LinearSlot.In, inFeatures);
    heap.set(m, LinearSlot.Out, outFeatures);
    return m;
  }

  /** uniform(-bound, bound) as `Tensor.uniform_` computes it: rand * (to - from) + from. */
  private uniform(shape: number[], bound: number, dtype: DType): Tensor {
    const u = this.ag.rt.rand(shape, dtype);
    const scaled = u.mul(2 * bound);
    u.free();
    const shifted = scaled.sub(bound);
    scaled.free();
    return shifted;
  }

  reluModule(): Module {
    return this.ag.heap.alloc(this.reluLayout);
  }
  sigmoidModule(): Module {
    return this.ag.heap.alloc(this.sigmoidLayout);
  }
  tanhModule(): Module {
    return this.ag.heap.alloc(this.tanhLayout);
  }

  /** `nn::Sequential::new(vec![...])` */
  sequential(layers: Module[]): Module {
    const heap = this.ag.heap;
    const s = heap.allocArray(this.sequentialLayout, layers.length);
    layers.forEach((l, i) => heap.setPtr(s, i, l));
    return s;
  }

  // ---- using models ----

  /** `model.forward(&x)` */
  forward(model: Module, x: Node): Node {
    const heap = this.ag.heap;
    const layout = heap.layoutOf(model);
    if (layout === this.linearLayout) {
      const w = heap.getPtr(model, LinearSlot.Weight);
      const b = heap.getPtr(model, LinearSlot.Bias);
      const inFeatures = heap.get(model, LinearSlot.In);
      const xs = this.ag.shape(x);
      if (xs.length !== 2 || xs[1] !== inFeatures) {
        throw new StarkPanic(
          "P0401",
          `nn::Linear(${inFeatures}, ${heap.get(model, LinearSlot.Out)}) expects input of shape [batch, ${inFeatures}], got [${xs.join(", ")}]`,
        );
      }
      const xw = this.ag.matmul(x, this.ag.t(w));
      return b === 0 ? xw : this.ag.add(xw, b);
    }
    if (layout === this.reluLayout) return this.ag.relu(x);
    if (layout === this.sigmoidLayout) return this.ag.sigmoid(x);
    if (layout === this.tanhLayout) return this.ag.tanh(x);
    if (layout === this.sequentialLayout) {
      let h = x;
      for (let i = 0; i < heap.length(model); i++) h = this.forward(heap.getPtr(model, i), h);
      return h;
    }
    throw new StarkPanic("P0105", `${heap.layoutName(layout)} is not an nn module`);
  }

  /** Parameters with PyTorch's state-dict names (`weight`, `0.bias`, ...), in registration order. */
  namedParameters(model: Module, prefix = ""): [string, Node][] {
    const heap = this.ag.heap;
    const layout = heap.layoutOf(model);
    if (layout === this.linearLayout) {
      const out: [string, Node][] = [[`${prefix}weight`, heap.getPtr(model, LinearSlot.Weight)]];
      const b = heap.getPtr(model, LinearSlot.Bias);
      if (b !== 0) out.push([`${prefix}bias`, b]);
      return out;
    }
    if (layout === this.sequentialLayout) {
      const out: [string, Node][] = [];
      for (let i = 0; i < heap.length(model); i++) out.push(...this.namedParameters(heap.getPtr(model, i), `${prefix}${i}.`));
      return out;
    }
    return [];
  }

  /** `model.parameters()` */
  parameters(model: Module): Node[] {
    return this.namedParameters(model).map(([, p]) => p);
  }

  /** `linear.weight()` */
  weight(linear: Module): Node {
    this.expectLinear(linear, "weight");
    return this.ag.heap.getPtr(linear, LinearSlot.Weight);
  }

  /** `linear.bias()`: 0 when the layer was made without one. */
  bias(linear: Module): Node {
    this.expectLinear(linear, "bias");
    return this.ag.heap.getPtr(linear, LinearSlot.Bias);
  }

  private expectLinear(m: Module, what: string): void {
    const layout = this.ag.heap.layoutOf(m);
    if (layout !== this.linearLayout) {
      throw new StarkPanic("P0105", `${what}() is defined for nn::Linear, not ${this.ag.heap.layoutName(layout)}`);
    }
  }

  // ---- functional forms and losses ----

  relu(x: Node): Node {
    return this.ag.relu(x);
  }
  sigmoid(x: Node): Node {
    return this.ag.sigmoid(x);
  }
  tanh(x: Node): Node {
    return this.ag.tanh(x);
  }

  /** `nn::mse_loss(pred, target)`: mean of squared differences (shapes must broadcast). */
  mseLoss(pred: Node, target: Node): Node {
    const d = this.ag.sub(pred, target);
    return this.ag.mean(this.ag.mul(d, d));
  }

  /**
   * `nn::cross_entropy(logits, targets)`: mean negative log-likelihood of the target classes
   * under a (numerically stable) log-softmax of logits [N, C]; targets are N class indices.
   */
  crossEntropy(logits: Node, targets: Node | ArrayLike<number>): Node {
    if (typeof targets !== "number") return this.ag.crossEntropy(logits, targets);
    const t = this.ag.value(targets);
    const indices = new Array<number>(t.numel());
    for (let i = 0; i < indices.length; i++) indices[i] = t.getFlat(i);
    return this.ag.crossEntropy(logits, indices);
  }
}
