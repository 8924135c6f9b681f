// nn: layers, models and losses (LANGUAGE.md §7 `nn::`). A model is a managed object like every
// other STARK object: a Linear layer is a "Linear" object whose Pointer slots hold its weight and
// bias nodes, a Sequential is an array of Pointers to its layers, and activations are slot-less
// objects, so the collector traces a model to its parameters and their tensors.

import type { Ptr } from "../../heap/api";
import { SlotKind } from "../../heap/api";
import { StarkPanic } from "../diagnostics";
import type { DType, Tensor } from "../tensor/api";
import type { Autograd, Node } from "./autograd";
import { flatValues } from "./tensor_ops";
import type { LoadedTensor, StateDict } from "./torch/state_dict";

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
  private readonly loadedLayout: number;
  private readonly namesLayout: number;
  private readonly nodesLayout: number;

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
    // A model read from a .pt file: parameter names (Strings) and parameter nodes, no layers.
    this.loadedLayout = heap.defineLayout({ name: "torch::LoadedModel", slots: [SlotKind.Pointer, SlotKind.Pointer] });
    this.namesLayout = heap.defineArrayLayout({ name: "parameter names", element: SlotKind.Pointer });
    this.nodesLayout = heap.defineArrayLayout({ name: "parameters", element: SlotKind.Pointer });
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
      const xw = this.ag.linear(x, w);
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
    if (layout === this.loadedLayout) return this.forwardLoaded(model, x);
    throw new StarkPanic("P0105", `${heap.layoutName(layout)} is not an nn module`);
  }

  /**
   * `forward` of a model read from a state_dict. The file holds parameters, not layers, so it runs
   * only when the parameters alone determine the layers: one Linear (`weight`, `bias`), or a
   * Sequential whose every index holds a Linear (`0.weight`, `1.weight`, ...). Anything else — a
   * gap in the indices is a layer without parameters (an activation) the file does not name — is
   * P0105 showing the nn::Sequential to build and load the parameters into, as PyTorch users do.
   */
  private forwardLoaded(model: Module, x: Node): Node {
    const layers = this.loadedLinears(model);
    if (layers.runnable) {
      let h = x;
      for (const l of layers.linears) h = this.forward(l!, h);
      return h;
    }
    const shown = layers.linears.map((l, i) => {
      if (l === null) return `/* layer ${i}: no parameters, e.g. nn::ReLU::new() */`;
      const heap = this.ag.heap;
      return `nn::Linear::new(${heap.get(l, LinearSlot.In)}, ${heap.get(l, LinearSlot.Out)})`;
    });
    const build = layers.linears.length > 0 ? `nn::Sequential::new(vec![${shown.join(", ")}])` : "the model's layers";
    throw new StarkPanic(
      "P0105",
      `a model loaded from a state_dict holds named parameters, not layers, and these do not say which layers ` +
        `to run (${layers.why}); build the model — ${build} — and call model.load_state_dict(&loaded)`,
    );
  }

  /**
   * The Linear layers a loaded model's parameters describe, by Sequential index (null where an
   * index has no parameters). Each Linear shares the loaded parameter nodes.
   */
  private loadedLinears(model: Module): { linears: (Module | null)[]; runnable: boolean; why: string } {
    const named = new Map(this.namedParameters(model));
    const shapeOf = (name: string) => (named.has(name) ? this.ag.shape(named.get(name)!) : null);
    const asLinear = (prefix: string): Module | null => {
      const w = shapeOf(`${prefix}weight`);
      const b = shapeOf(`${prefix}bias`);
      if (w === null || w.length !== 2 || (b !== null && (b.length !== 1 || b[0] !== w[0]))) return null;
      return this.linearFrom(named.get(`${prefix}weight`)!, named.get(`${prefix}bias`) ?? 0, w[1], w[0]);
    };
    if (named.size <= 2 && named.has("weight")) {
      const l = asLinear("");
      if (l !== null && named.size === (named.has("bias") ? 2 : 1)) return { linears: [l], runnable: true, why: "" };
    }
    const indices = new Set<number>();
    for (const name of named.keys()) {
      const m = /^(\d+)\.(weight|bias)$/.exec(name);
      if (!m) return { linears: [], runnable: false, why: `parameter "${name}" is not a Linear layer's weight or bias` };
      indices.add(Number(m[1]));
    }
    const count = indices.size === 0 ? 0 : Math.max(...indices) + 1;
    const linears: (Module | null)[] = [];
    for (let i = 0; i < count; i++) linears.push(indices.has(i) ? asLinear(`${i}.`) : null);
    const bad = [...indices].find((i) => linears[i] === null);
    if (bad !== undefined) return { linears: [], runnable: false, why: `the parameters of layer ${bad} are not a Linear layer's [out, in] weight and [out] bias` };
    const gap = linears.findIndex((l) => l === null);
    if (count === 0) return { linears, runnable: false, why: "it has no parameters" };
    if (gap >= 0) return { linears, runnable: false, why: `layer ${gap} has no parameters, so the file does not say what it is` };
    return { linears, runnable: true, why: "" };
  }

  // ---- state dicts ----

  /**
   * `torch::load_model`: a model whose named parameters are the state_dict's tensors (nested
   * dicts flattened to `outer.inner` names, as PyTorch names them). Takes ownership of the
   * tensors; floating-point ones require grad, as parameters do.
   */
  fromStateDict(dict: StateDict): Module {
    const flat: [string, LoadedTensor][] = [];
    const walk = (d: StateDict, prefix: string) => {
      for (const [k, v] of d) {
        if (v instanceof Map) walk(v, `${prefix}${k}.`);
        else flat.push([`${prefix}${k}`, v]);
      }
    };
    walk(dict, "");
    const heap = this.ag.heap;
    // Allocation never collects, so the Ptrs made here stay valid until this returns.
    const names = heap.allocArray(this.namesLayout, flat.length);
    const params = heap.allocArray(this.nodesLayout, flat.length);
    flat.forEach(([name, { tensor }], i) => {
      heap.setPtr(names, i, heap.allocString(name));
      heap.setPtr(params, i, this.ag.tensor(tensor, tensor.dtype !== "i32"));
    });
    const m = heap.alloc(this.loadedLayout);
    heap.setPtr(m, 0, names);
    heap.setPtr(m, 1, params);
    return m;
  }

  /** `torch::save(model, path)`'s input: each named parameter's value (borrowed from the model). */
  stateDict(model: Module): Map<string, Tensor> {
    return new Map(this.namedParameters(model).map(([name, p]) => [name, this.ag.value(p)]));
  }

  /**
   * Copies the parameters of `source` (e.g. a loaded model) into the same-named parameters of
   * `target`, as PyTorch's `load_state_dict` does: every name must match and every shape agree.
   */
  loadParameters(target: Module, source: Module): void {
    const from = new Map(this.namedParameters(source));
    const into = this.namedParameters(target);
    const missing = into.filter(([n]) => !from.has(n)).map(([n]) => n);
    const unexpected = [...from.keys()].filter((n) => !into.some(([m]) => m === n));
    if (missing.length > 0 || unexpected.length > 0) {
      const parts = [];
      if (missing.length > 0) parts.push(`missing key(s): ${missing.map((n) => `"${n}"`).join(", ")}`);
      if (unexpected.length > 0) parts.push(`unexpected key(s): ${unexpected.map((n) => `"${n}"`).join(", ")}`);
      throw new StarkPanic("P0501", `error loading parameters: ${parts.join("; ")}`);
    }
    for (const [name, p] of into) {
      const dst = this.ag.value(p);
      const src = this.ag.value(from.get(name)!);
      if (dst.shape.join() !== src.shape.join()) {
        throw new StarkPanic(
          "P0401",
          `size mismatch for ${name}: copying a parameter with shape [${src.shape.join(", ")}], the shape in the current model is [${dst.shape.join(", ")}]`,
        );
      }
      if (dst.dtype !== src.dtype) {
        throw new StarkPanic("P0402", `dtype mismatch for ${name}: the file has ${src.dtype}, the model ${dst.dtype}`);
      }
      dst.zero_();
      dst.add_(src);
    }
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
    if (layout === this.loadedLayout) {
      const names = heap.getPtr(model, 0);
      const params = heap.getPtr(model, 1);
      const out: [string, Node][] = [];
      for (let i = 0; i < heap.length(params); i++) out.push([prefix + heap.readString(heap.getPtr(names, i)), heap.getPtr(params, i)]);
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
    return this.ag.crossEntropy(logits, flatValues(this.ag.value(targets)));
  }
}
