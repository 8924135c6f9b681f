// The ML library (src/ml) bound to STARK's natives: `Dataset::*`, `nn::*`, `optim::*`,
// `torch::*`, `Model::*` and the autograd methods of `Tensor` (LANGUAGE.md §7).
//
// The model of values (see src/ml/README.md, "What the binding must know"):
// - A STARK `Tensor` stays a plain owned tensor. A tensor that takes part in autograd
//   (`requires_grad_()`, a parameter, the output of a tracked op) is a *view* of its graph node's
//   value — the same storage, as in PyTorch, so `weight()` is the parameter itself and sees every
//   update — and "tracked": a side table maps the STARK tensor to its node, which is kept in a
//   root slot of this binding (the runtime's root scanner visits it, so a moving collection
//   updates it). Dropping the STARK tensor drops the root, and the collector then frees the graph
//   (the storage lives until the last of the view and the node lets it go).
// - Models and optimizers are the library's heap objects themselves (STARK's `Model` and
//   `Optimizer` are pointer types). A dataset, and a batch iterator with its open file, are JS
//   objects owned by small heap objects through a Tensor slot (`Owned`): the collector releases
//   them with their owner.
// - `for batch in ds.batches(n)`: a native iterator; the library calls the training boundary
//   (`heap.batchBoundary()`) between two batches — the GC's safe point in Training mode. A loop
//   left early closes the file at once (`nativeClose`, called by the evaluator's `closeIter`).
//
// No native here reaches a safepoint except the batch iterator (before it allocates anything),
// so node pointers held in JS locals within one native call stay valid.

import { Ptr, SlotKind } from "../../heap/api";
import type { Type } from "../check/types";
import type { Tensor } from "../tensor/api";
import { DTYPE_BYTES } from "../tensor/dtype";
import { StarkPanic } from "../diagnostics";
import type { Dataset as MlDataset, BatchIterator, MlLibrary, Node } from "../ml";

// The ML library (and csv-parse, zlib) loads when a program first uses it, not at every start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mlLibrary = () => require("../ml") as typeof import("../ml");
import type { TensorSlots } from "../ml";
import { DONE, newIter, Next, registerDesc } from "./iter";
import { NATIVES, NativeFactory, NativeSite, numbersOf, registerNatives } from "./natives";
import { stack } from "../tensor/stack";
import { Runtime, Value, VEC_DATA, VEC_LEN } from "./runtime";
import { derefAll } from "./typeinfo";

interface Tracked {
  node: Ptr;
  tensor: Tensor;
}

/**
 * A JS object owned by a managed one: a dataset's state, a batch iterator with its open file.
 * The owner holds it in a Tensor slot — the runtime's handle table takes any object with
 * `free()` and `freed`, and the collector hands a dead object's Tensor slots to that table — so
 * the object is released exactly once, when its owner dies, by the same path that frees a dead
 * object's tensors.
 */
class Owned<T> {
  freed = false;
  constructor(
    readonly value: T,
    private readonly release: (value: T) => void,
  ) {}
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.release(this.value);
  }
  toString(): string {
    return "<native>";
  }
}

/** A dataset's JS state and the `map` closures its transforms call (rooted while it lives). */
interface DatasetState {
  dataset: MlDataset;
  closures: ClosureRoot[];
}

/** A root of the binding for a closure, shared by the datasets derived from the one mapping it. */
interface ClosureRoot {
  node: Ptr;
  refs: number;
}

/** Per-runtime state of the binding. */
class MlBinding {
  readonly ml: MlLibrary;
  /** Root slots: nodes behind tracked STARK tensors. Freed entries are null. */
  private roots: (Tracked | null)[] = [];
  private freeRoots: number[] = [];
  private rootOf = new WeakMap<Tensor, number>();
  /** Closures of live datasets' `map`s, visited as roots (freed entries are null). */
  private closureRoots: (ClosureRoot | null)[] = [];
  /** Batch iterators by the id in their Iter object's EXTRA slot (freed ids are reused). */
  readonly iterators: (BatchIterator | null)[] = [null];
  private freeIterators: number[] = [];
  private liveDatasets = 0;
  /** `Dataset`: [Tensor slot: Owned<DatasetState>]. */
  readonly datasetLayout: number;
  /** A batch iterator's owner, held by its Iter object: [Tensor slot: Owned<iterator id>]. */
  readonly iteratorLayout: number;

  constructor(readonly rt: Runtime) {
    // The library's tensors (node values, saved tensors, optimizer state) are reported to the
    // heap as external memory while a slot holds them: a step's dead graph is a few small
    // objects pinning ~100 KB of tensors, and without the report the nursery would take thousands
    // of steps to fill while tens of megabytes of dead tensors pile up in cold memory. Gradients
    // are left out: backward and zero_grad free them without the collector.
    const heap = rt.heap;
    const report = heap.adjustExternalMemory?.bind(heap);
    const reported = new WeakMap<Tensor, number>();
    const unreport = (t: Tensor) => {
      const n = reported.get(t);
      if (n === undefined) return;
      reported.delete(t);
      report!(-n);
    };
    const slots: TensorSlots & { readonly liveBytes: number } = {
      // All live tensor bytes (frames' and slots'): what the training boundary's pressure rule reads.
      get liveBytes() {
        return rt.tensors.memoryStats().liveBytes;
      },
      register: (t, freedByHolder) => {
        if (report && !freedByHolder && !reported.has(t)) {
          const n = t.numel() * DTYPE_BYTES[t.dtype];
          reported.set(t, n);
          report(n);
          // A collection frees a dead node's tensors through the runtime's table, not this
          // adapter: the tensor itself says when it is let go.
          const free = t.free.bind(t);
          (t as { free: () => void }).free = () => {
            unreport(t);
            free();
          };
        }
        return rt.tensorHandle(t);
      },
      get: (id) => rt.tensorFromHandle(id)!,
      take: (id) => {
        const t = rt.takeTensorHandle(id)!;
        unreport(t);
        return t;
      },
      release: (id) => {
        if (id) rt.releaseTensorHandle(id);
      },
    };
    this.ml = mlLibrary().createMl(rt.tensors, rt.heap, slots);
    rt.extraRoots.push((visit) => {
      for (const r of this.roots) if (r && r.node !== 0) r.node = visit(r.node);
      for (const r of this.closureRoots) if (r) r.node = visit(r.node);
    });
    this.datasetLayout = rt.fixed("Dataset", [SlotKind.Tensor], null);
    this.iteratorLayout = rt.fixed("Dataset batches", [SlotKind.Tensor], null);
    rt.tensorOperatorHook = (op, x, y) => this.operator(op, x, y);
  }

  /** `x op y` through autograd when a tensor operand is tracked; undefined otherwise. */
  private operator(op: string, x: Value, y: Value): Value | undefined {
    const xt = typeof x === "object" && x !== null ? (x as Tensor) : null;
    const yt = typeof y === "object" && y !== null ? (y as Tensor) : null;
    if (!this.ag.gradEnabled) return undefined;
    if ((xt === null || this.tracked(xt) === null) && (yt === null || this.tracked(yt) === null)) return undefined;
    const ag = this.ag;
    const a = xt ? this.nodeOf(xt) : 0;
    const b = yt ? this.nodeOf(yt) : 0;
    switch (op) {
      case "+":
        return this.out(xt && yt ? ag.add(a, b) : xt ? ag.addScalar(a, y as number) : ag.addScalar(b, x as number));
      case "-":
        return this.out(xt && yt ? ag.sub(a, b) : xt ? ag.subScalar(a, y as number) : ag.rsub(x as number, b));
      case "*":
        return this.out(xt && yt ? ag.mul(a, b) : xt ? ag.mulScalar(a, y as number) : ag.mulScalar(b, x as number));
      case "/":
        return this.out(xt && yt ? ag.div(a, b) : xt ? ag.divScalar(a, y as number) : ag.rdiv(x as number, b));
      case "@":
        return xt && yt ? this.out(ag.matmul(a, b)) : undefined;
      default:
        return undefined;
    }
  }

  get ag() {
    return this.ml.ag;
  }

  /** Makes the STARK tensor `t` stand for `node`: keeps the node rooted until `t` is dropped. */
  track(t: Tensor, node: Node): Tensor {
    const old = this.rootOf.get(t);
    if (old !== undefined) {
      this.roots[old]!.node = node;
      return t;
    }
    const idx = this.freeRoots.pop() ?? this.roots.length;
    this.roots[idx] = { node, tensor: t };
    this.rootOf.set(t, idx);
    // Dropping the STARK tensor (scope end, a dead Vec's slot) releases the root as well.
    const free = t.free.bind(t);
    (t as { free: () => void }).free = () => {
      const i = this.rootOf.get(t);
      if (i !== undefined) {
        this.rootOf.delete(t);
        this.roots[i] = null;
        this.freeRoots.push(i);
      }
      free();
    };
    return t;
  }

  /** Roots a dataset's `map` closure until `unhold`; read it back from `.node` (it may move). */
  hold(p: Ptr): ClosureRoot {
    const r: ClosureRoot = { node: p, refs: 1 };
    this.closureRoots.push(r);
    return r;
  }

  unhold(r: ClosureRoot): void {
    if (--r.refs > 0) return;
    const i = this.closureRoots.indexOf(r);
    if (i >= 0) this.closureRoots[i] = null;
    if (this.closureRoots.every((x) => x === null)) this.closureRoots = [];
  }

  /** A managed `Dataset` owning `dataset` (and a share of `closures`): freed when it dies. */
  wrapDataset(dataset: MlDataset, closures: ClosureRoot[]): Ptr {
    for (const c of closures) c.refs++;
    this.liveDatasets++;
    const owned = new Owned<DatasetState>({ dataset, closures }, (st) => {
      this.liveDatasets--;
      for (const c of st.closures) this.unhold(c);
    });
    const p = this.rt.heap.alloc(this.datasetLayout);
    this.rt.heap.set(p, 0, this.rt.tensorHandle(owned as unknown as Tensor));
    return p;
  }

  datasetState(p: Ptr): DatasetState {
    return (this.rt.tensorFromHandle(this.rt.heap.get(p, 0)) as unknown as Owned<DatasetState>).value;
  }

  /** The owner of a new batch iterator, for its Iter object's SRC slot; and the iterator's id. */
  ownIterator(it: BatchIterator): { owner: Ptr; id: number } {
    const id = this.freeIterators.pop() ?? this.iterators.length;
    this.iterators[id] = it;
    const owned = new Owned<number>(id, (i) => {
      this.iterators[i]?.return();
      this.iterators[i] = null;
      this.freeIterators.push(i);
    });
    const owner = this.rt.heap.alloc(this.iteratorLayout);
    this.rt.heap.set(owner, 0, this.rt.tensorHandle(owned as unknown as Tensor));
    return { owner, id };
  }

  /** What the binding holds for the program, for tests: nothing may outlive its owner. */
  stats(): MlBindingStats {
    return {
      openIterators: this.iterators.filter((it) => it !== null && !it.closed).length,
      liveIterators: this.iterators.filter((it) => it !== null).length,
      liveDatasets: this.liveDatasets,
      closureRoots: this.closureRoots.filter((r) => r !== null).length,
    };
  }

  /** The node a tracked tensor stands for, or null. */
  tracked(t: Tensor): Node | null {
    const i = this.rootOf.get(t);
    return i === undefined ? null : this.roots[i]!.node;
  }

  /** The graph node for an operand: its own node if tracked, else a constant leaf sharing its storage. */
  nodeOf(t: Tensor): Node {
    return this.tracked(t) ?? this.ag.tensor(alias(t));
  }

  /** A STARK tensor for a node's value: a view of it, tracked when the node is part of a graph. */
  out(node: Node): Tensor {
    const t = alias(this.ag.value(node));
    return this.ag.requiresGrad(node) ? this.track(t, node) : t;
  }
}

/** A second owner of `t`'s storage with the same shape and strides (freeing one keeps the other). */
function alias(t: Tensor): Tensor {
  return t.shape.length === 0 ? t.reshape([]) : t.transpose(0, 0);
}

const bindings = new WeakMap<Runtime, MlBinding>();

export interface MlBindingStats {
  /** Batch iterators whose file is open. */
  openIterators: number;
  /** Batch iterators whose Iter object has not been found dead yet. */
  liveIterators: number;
  /** `Dataset` objects not yet found dead (their JS state is held until then). */
  liveDatasets: number;
  /** `map` closures rooted for live datasets. */
  closureRoots: number;
}

/** The ML binding's holdings in `rt` (all zero before any ML native ran). */
export function mlBindingStats(rt: Runtime): MlBindingStats {
  return bindings.get(rt)?.stats() ?? { openIterators: 0, liveIterators: 0, liveDatasets: 0, closureRoots: 0 };
}

function binding(rt: Runtime): MlBinding {
  let b = bindings.get(rt);
  if (!b) bindings.set(rt, (b = new MlBinding(rt)));
  return b;
}

/** A native that needs the binding: `(b, ...args)`. */
function ml(impl: (b: MlBinding, ...args: Value[]) => Value): NativeFactory {
  return (s) => (...args) => impl(binding(s.rt), ...args);
}

// ───────────── helpers over STARK values ─────────────

function vecItems(rt: Runtime, v: Ptr): number[] {
  const h = rt.heap;
  const n = h.get(v, VEC_LEN);
  const data = h.getPtr(v, VEC_DATA);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(h.get(data, i));
  return out;
}

function tensorVec(rt: Runtime, vecType: Type, tensors: Tensor[]): Ptr {
  const elem: Type = (derefAll(vecType) as Type & { kind: "builtin" }).args[0];
  const v = rt.newVec(vecType, elem, tensors.length);
  for (const t of tensors) rt.vecPush(v, SlotKind.Tensor, t, elem);
  return v;
}

/**
 * The parameter nodes behind a `Vec<Tensor>` moved into an optimizer's constructor. The Vec's
 * tensors (views standing for the nodes) are dropped now: the optimizer owns the nodes, and
 * their root slots need not wait for the collector to find the Vec dead.
 */
function paramNodes(b: MlBinding, vec: Ptr, who: string): Node[] {
  const ids = vecItems(b.rt, vec);
  const nodes = ids.map((id, i) => {
    const t = b.rt.tensorFromHandle(id);
    const n = t ? b.tracked(t) : null;
    if (n === null || !b.ag.requiresGrad(n))
      throw new StarkPanic("P0105", `${who}: parameter ${i} does not require grad (call requires_grad_() on it, or pass model.parameters())`);
    return n;
  });
  const data = b.rt.heap.getPtr(vec, VEC_DATA);
  ids.forEach((id, i) => {
    b.rt.heap.set(data, i, 0);
    b.rt.releaseTensorHandle(id);
  });
  b.rt.heap.set(vec, VEC_LEN, 0);
  return nodes;
}

// ───────────── Tensor autograd methods ─────────────

const N: Record<string, NativeFactory> = {};

N["Tensor::requires_grad_"] = ml((b, t) => {
  const x = t as Tensor;
  const n = b.tracked(x);
  if (n !== null) b.ag.setRequiresGrad(n, true);
  else b.track(x, b.ag.tensor(alias(x), true));
  return undefined;
});
N["Tensor::backward"] = ml((b, t) => {
  const n = b.tracked(t as Tensor);
  if (n === null) throw new StarkPanic("P0105", "element 0 of tensors does not require grad and does not have a grad_fn");
  b.ag.backward(n);
  return undefined;
});
N["Tensor::grad"] = ml((b, t) => {
  const n = b.tracked(t as Tensor);
  const g = n === null ? null : b.ag.grad(n);
  if (g === null) throw new StarkPanic("P0105", "this tensor has no gradient yet (it does not require grad, or backward() has not reached it)");
  return alias(g);
});
N["Tensor::detach"] = () => (t: Value) => (t as Tensor).clone();

// ───────────── tensor ops on tracked operands ─────────────
//
// The evaluator's tensor natives compute plain tensors. When an operand stands for a graph node
// (it requires grad, or was computed from one), the op goes through autograd instead so that
// `backward()` reaches it; untracked operands keep the evaluator's fast path untouched.

/** The evaluator's own implementations of the natives wrapped below. */
const PLAIN: Record<string, NativeFactory> = {};

/** Wraps the evaluator's native `name`: `viaGraph` runs when the receiver or `other` is tracked. */
function graphAware(name: string, viaGraph: (b: MlBinding, s: NativeSite, a: Tensor, ...rest: Value[]) => Node, otherTensorArg = false): void {
  const plain = NATIVES[name];
  if (!plain) return;
  PLAIN[name] = plain;
  N[name] = (s) => {
    const fast = plain(s);
    return (...args) => {
      const b = bindings.get(s.rt);
      if (b !== undefined) {
        const tracked = b.tracked(args[0] as Tensor) !== null || (otherTensorArg && b.tracked(args[1] as Tensor) !== null);
        if (tracked && b.ag.gradEnabled) return b.out(viaGraph(b, s, args[0] as Tensor, ...args.slice(1)));
      }
      return fast(...args);
    };
  };
}

graphAware("Tensor::matmul", (b, _s, a, o) => b.ag.matmul(b.nodeOf(a), b.nodeOf(o as Tensor)), true);
for (const name of ["sum", "mean", "exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "t"] as const) {
  graphAware(`Tensor::${name}`, (b, _s, a) => b.ag[name](b.nodeOf(a)));
}
graphAware("Tensor::sum_dim", (b, _s, a, d) => b.ag.sumDim(b.nodeOf(a), d as number));
graphAware("Tensor::mean_dim", (b, _s, a, d) => b.ag.meanDim(b.nodeOf(a), d as number));
graphAware("Tensor::softmax", (b, _s, a, d) => b.ag.softmax(b.nodeOf(a), d as number));
graphAware("Tensor::transpose", (b, _s, a, d0, d1) => b.ag.transpose(b.nodeOf(a), d0 as number, d1 as number));
graphAware("Tensor::reshape", (b, s, a, shape) => {
  // The evaluator's reshape reads the shape argument (array, Vec or number) and checks it.
  const probe = PLAIN["Tensor::reshape"](s)(a, shape) as Tensor;
  const dims = [...probe.shape];
  probe.free();
  return b.ag.reshape(b.nodeOf(a), dims);
});

// ───────────── tensor shape, dtype and comparison methods beyond LANGUAGE.md §6 ─────────────
//
// PyTorch's names a PyTorch user reaches for: unsqueeze/squeeze/permute/view (views of the same
// storage), stack and cat, reductions that keep the reduced dimension, casts, equal/allclose.
// Those that autograd can see through (views, sum/mean along a dim) go through the graph when
// their receiver is tracked, as the evaluator's reshape and transpose do.

/** A native whose result goes through autograd when the receiver is tracked (see graphAware). */
type ViaGraph = (b: MlBinding, s: NativeSite, node: Node, result: Tensor, args: Value[]) => Node;
function shapeNative(name: string, plain: (s: NativeSite) => (a: Tensor, ...rest: Value[]) => Value, viaGraph?: ViaGraph): void {
  N[name] = (s) => {
    const fast = plain(s);
    if (!viaGraph) return (a, ...rest) => fast(a as Tensor, ...rest);
    return (a, ...rest) => {
      const b = bindings.get(s.rt);
      const node = b !== undefined && b.ag.gradEnabled ? b.tracked(a as Tensor) : null;
      if (node === null) return fast(a as Tensor, ...rest);
      // The plain result gives the shape (and the checks); the graph recomputes it from the node.
      const probe = fast(a as Tensor, ...rest) as Tensor;
      try {
        return b!.out(viaGraph(b!, s, node, probe, rest));
      } finally {
        probe.free();
      }
    };
  };
}

/** A view's gradient is its incoming gradient reshaped back: autograd's reshape node. */
const asReshape: ViaGraph = (b, _s, node, result) => b.ag.reshape(node, [...result.shape]);

shapeNative("Tensor::unsqueeze", () => (a, d) => a.unsqueeze(d as number), asReshape);
shapeNative("Tensor::squeeze", () => (a) => a.squeeze(), asReshape);
shapeNative("Tensor::squeeze_dim", () => (a, d) => a.squeeze(d as number), asReshape);
shapeNative("Tensor::view", (s) => (a, shape) => a.view(numbersOf(s.rt, shape, s.argTypes[1])), asReshape);
shapeNative(
  "Tensor::permute",
  (s) => (a, dims) => a.permute(numbersOf(s.rt, dims, s.argTypes[1])),
  (b, s, node, result, args) => {
    // A permutation is a product of transpositions: swap each wanted dimension into place.
    const want = numbersOf(s.rt, args[0], s.argTypes[1]);
    const order = result.shape.map((_, i) => i);
    let n = node;
    for (let i = 0; i < want.length; i++) {
      const j = order.indexOf(want[i]);
      if (j === i) continue;
      n = b.ag.transpose(n, i, j);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return n;
  },
);
shapeNative("Tensor::contiguous", () => (a) => a.clone());
shapeNative(
  "Tensor::pow",
  (s) => (a, p) => {
    if (a.dtype === "i32") return s.rt.panic("P0402", "pow() needs a floating-point tensor (f32 or f64), but got i32: cast it with .float() first", s.span);
    return a.pow(+(p as number));
  },
  (b, _s, node, _result, args) => b.ag.pow(node, +(args[0] as number)),
);
N["Tensor::is_contiguous"] = () => (a: Value) => (a as Tensor & { contiguous?: boolean }).contiguous !== false;

// `x.sum_dim_keepdim(d)` is PyTorch's `x.sum(d, keepdim=True)`: the reduction, then a size-1
// dimension where `d` was.
for (const op of ["sum", "mean", "max", "min", "argmax"] as const) {
  const reduce = NATIVES[`Tensor::${op}_dim`];
  const viaGraph: ViaGraph | undefined =
    op === "sum" || op === "mean"
      ? (b, _s, node, result, args) => {
          const reduced = op === "sum" ? b.ag.sumDim(node, args[0] as number) : b.ag.meanDim(node, args[0] as number);
          return b.ag.reshape(reduced, [...result.shape]);
        }
      : undefined;
  shapeNative(
    `Tensor::${op}_dim_keepdim`,
    (s) => {
      const inner = reduce(s);
      return (a, d) => {
        const r = inner(a, d) as Tensor;
        try {
          return r.unsqueeze(d as number);
        } finally {
          r.free();
        }
      };
    },
    viaGraph,
  );
}

const tensorList = (rt: Runtime, v: Ptr): Tensor[] => vecItems(rt, v).map((id) => rt.tensorFromHandle(id) as Tensor);
N["Tensor::stack"] = (s) => (v, dim) => stack(s.rt.tensors, tensorList(s.rt, v as Ptr), dim as number);
N["Tensor::cat"] = (s) => (v, dim) => s.rt.tensors.concat(tensorList(s.rt, v as Ptr), dim as number);

N["Tensor::float"] = () => (a: Value) => (a as Tensor).to("f32");
N["Tensor::double"] = () => (a: Value) => (a as Tensor).to("f64");
N["Tensor::int"] = () => (a: Value) => (a as Tensor).to("i32");

/** torch.equal: the same shape and the same values. */
N["Tensor::equal"] = () => (a: Value, o: Value) => {
  const x = a as Tensor;
  const y = o as Tensor;
  if (x.shape.length !== y.shape.length || x.shape.some((n, i) => n !== y.shape[i])) return false;
  const n = x.numel();
  for (let i = 0; i < n; i++) if (x.getFlat(i) !== y.getFlat(i)) return false;
  return true;
};
/** torch.allclose with its defaults: |a - b| <= 1e-8 + 1e-5·|b| everywhere, broadcasting (a NaN is never close). */
N["Tensor::allclose"] = (s) => (a: Value, o: Value) => {
  const temps: Tensor[] = [];
  const keep = (t: Tensor) => (temps.push(t), t);
  try {
    const err = keep(keep((a as Tensor).sub(o as Tensor)).abs());
    const tol = keep(keep(keep((o as Tensor).abs()).mul(1e-5)).add(1e-8));
    const over = keep(err.sub(tol));
    const n = over.numel();
    for (let i = 0; i < n; i++) if (!(over.getFlat(i) <= 0)) return false;
    return true;
  } finally {
    for (const t of temps) s.rt.freeTensor(t);
  }
};

// In-place ops on a parameter (a leaf that requires grad) would change what backward computes
// with behind autograd's back: PyTorch refuses them unless gradients are off, and so does STARK.
for (const name of ["fill_", "add_", "sub_", "mul_", "zero_", "set"]) {
  const plain = NATIVES[`Tensor::${name}`];
  if (!plain) continue;
  N[`Tensor::${name}`] = (s) => {
    const fast = plain(s);
    return (...args) => {
      const b = bindings.get(s.rt);
      if (b !== undefined && b.ag.gradEnabled) {
        const n = b.tracked(args[0] as Tensor);
        if (n !== null && b.ag.isLeaf(n) && b.ag.requiresGrad(n)) {
          throw new StarkPanic(
            "P0105",
            `a leaf tensor that requires grad is being used in an in-place operation (${name}); ` +
              `change parameters inside torch::no_grad(|| ...)`,
          );
        }
      }
      return fast(...args);
    };
  };
}

// ───────────── models ─────────────

N["nn::Linear::new"] = ml((b, i, o) => b.ml.nn.linear(i as number, o as number));
N["nn::Sequential::new"] = ml((b, layers) => b.ml.nn.sequential(vecItems(b.rt, layers as Ptr)));
N["nn::ReLU::new"] = ml((b) => b.ml.nn.reluModule());
N["nn::Sigmoid::new"] = ml((b) => b.ml.nn.sigmoidModule());
N["nn::Tanh::new"] = ml((b) => b.ml.nn.tanhModule());

N["Model::forward"] = ml((b, m, x) => b.out(b.ml.nn.forward(m as Ptr, b.nodeOf(x as Tensor))));
N["Model::parameters"] = (s) => {
  return (m) => {
    const b = binding(s.rt);
    const tensors = b.ml.nn.parameters(m as Ptr).map((n) => b.out(n));
    return tensorVec(s.rt, s.retType, tensors);
  };
};
N["Model::named_parameters"] = (s) => {
  const vecType = derefAll(s.retType) as Type & { kind: "builtin" };
  const pair = vecType.args[0] as Type & { kind: "tuple" };
  return (m) => {
    const rt = s.rt;
    const b = binding(rt);
    const layout = rt.tupleLayout(pair);
    const named = b.ml.nn.namedParameters(m as Ptr);
    const v = rt.newVec(vecType, pair, named.length);
    // Allocation never collects: the pointers made here stay valid until this returns.
    for (const [name, node] of named) {
      const p = rt.heap.alloc(layout);
      rt.store(p, 0, SlotKind.Pointer, rt.newString(name));
      rt.store(p, 1, SlotKind.Tensor, b.out(node));
      rt.vecPush(v, SlotKind.Pointer, p, pair);
    }
    return v;
  };
};
N["Model::load_state_dict"] = ml((b, m, source) => {
  b.ml.nn.loadParameters(m as Ptr, source as Ptr);
  return undefined;
});
N["Model::weight"] = ml((b, m) => b.out(b.ml.nn.weight(m as Ptr)));
N["Model::bias"] = ml((b, m) => b.out(b.ml.nn.bias(m as Ptr)));

for (const name of ["relu", "sigmoid", "tanh"] as const) {
  N[`nn::${name}`] = ml((b, x) => b.out(b.ml.nn[name](b.nodeOf(x as Tensor))));
}
N["nn::mse_loss"] = ml((b, p, t) => {
  const pred = b.nodeOf(p as Tensor);
  let target = b.nodeOf(t as Tensor);
  // A regression model's [N, 1] output against a batch's [N] targets would broadcast to [N, N]
  // (PyTorch only warns, and the model then learns the mean): compare them row by row instead.
  const ps = b.ag.shape(pred);
  const ts = b.ag.shape(target);
  if (ps.length === 2 && ps[1] === 1 && ts.length === 1 && ts[0] === ps[0]) target = b.ag.reshape(target, [ts[0], 1]);
  return b.out(b.ml.nn.mseLoss(pred, target));
});
N["nn::cross_entropy"] = ml((b, l, t) => b.out(b.ml.nn.crossEntropy(b.nodeOf(l as Tensor), b.nodeOf(t as Tensor))));

// ───────────── optimizers ─────────────

N["optim::SGD::new"] = ml((b, params, lr) => b.ml.optim.sgd(paramNodes(b, params as Ptr, "optim::SGD::new"), { lr: lr as number }));
N["optim::SGD::with_momentum"] = ml((b, params, lr, momentum, wd) =>
  b.ml.optim.sgd(paramNodes(b, params as Ptr, "optim::SGD::with_momentum"), { lr: lr as number, momentum: momentum as number, weightDecay: wd as number }),
);
N["optim::Adam::new"] = ml((b, params, lr) => b.ml.optim.adam(paramNodes(b, params as Ptr, "optim::Adam::new"), { lr: lr as number }));
N["optim::Optimizer::step"] = ml((b, opt) => {
  // Updates the parameters in place: the STARK tensors standing for them are views and see it.
  b.ml.optim.step(opt as Ptr);
  return undefined;
});
N["optim::Optimizer::zero_grad"] = ml((b, opt) => {
  b.ml.optim.zeroGrad(opt as Ptr);
  return undefined;
});
N["optim::Optimizer::learning_rate"] = ml((b, opt) => b.ml.optim.learningRate(opt as Ptr));
N["optim::Optimizer::set_learning_rate"] = ml((b, opt, lr) => {
  b.ml.optim.setLearningRate(opt as Ptr, lr as number);
  return undefined;
});

// ───────────── datasets ─────────────

function datasetOf(b: MlBinding, p: Value): MlDataset {
  return b.datasetState(p as Ptr).dataset;
}

/** A dataset derived from `from` (with_target, shuffle): it keeps `from`'s map closures alive. */
function derived(b: MlBinding, from: Value, make: (d: MlDataset) => MlDataset): Ptr {
  const st = b.datasetState(from as Ptr);
  return b.wrapDataset(make(st.dataset), st.closures.slice());
}

N["Dataset::from_csv"] = ml((b, path) => {
  const boundary = b.ml.boundary;
  return b.wrapDataset(mlLibrary().Dataset.fromCsv(b.rt.tensors, b.rt.str(path as Ptr), { onBatchBoundary: () => boundary.reached() }), []);
});
N["Dataset::with_target"] = ml((b, d, col) => derived(b, d, (ds) => ds.withTarget(b.rt.str(col as Ptr))));
N["Dataset::shuffle"] = ml((b, d, seed) => derived(b, d, (ds) => ds.shuffle(seed as number)));
N["Dataset::map"] = (s) => {
  const f64: Type = { kind: "float", name: "f64" };
  const vecF64: Type = { kind: "builtin", name: "Vec", args: [f64] };
  return (d, clo) => {
    const rt = s.rt;
    const b = binding(rt);
    // The closure lives as long as a dataset using it: a root of the binding keeps it (and moves it).
    const root = b.hold(clo as Ptr);
    const st = b.datasetState(d as Ptr);
    const mapped = st.dataset.mapValues((values) => {
      const v = rt.newVec(vecF64, f64, values.length);
      for (const x of values) rt.vecPush(v, SlotKind.Scalar, x, f64);
      return vecItems(rt, s.call(root.node, [v]) as Ptr);
    });
    const p = b.wrapDataset(mapped, [...st.closures, root]);
    b.unhold(root); // the new dataset holds its own share
    return p;
  };
};

N["Dataset::batches"] = (s) => {
  const batchType = (derefAll(s.retType) as Type & { kind: "builtin" }).args[0] as Type & { kind: "adt" };
  let desc = -1;
  return (d, n) => {
    const rt = s.rt;
    const b = binding(rt);
    if (desc < 0) {
      const nativeNext = (id: number): Next => {
        try {
          return nextBatch(b, batchType, id);
        } catch (e) {
          // A malformed row is found while the loop asks for the next batch: point at `batches(n)`.
          if (e instanceof StarkPanic && e.span === null) e.span = s.span;
          throw e;
        }
      };
      // A loop left early closes the file now; the iterator's owner dying releases the rest.
      const nativeClose = (id: number) => b.iterators[id]?.return();
      desc = registerDesc(rt, { kind: "native", elem: batchType, elemKind: SlotKind.Pointer, nativeNext, nativeClose });
    }
    const { owner, id } = b.ownIterator(datasetOf(b, d).batches(n as number));
    // Allocation never collects: `owner` is still valid as the Iter object's SRC.
    return newIter(rt, desc, 0, 0, owner, 0, 0, 0, id);
  };
};

function nextBatch(b: MlBinding, batchType: Type & { kind: "adt" }, id: number): Next {
  const it = b.iterators[id];
  if (!it) return DONE;
  // The iterator calls the training boundary (a possible collection) before reading rows, so
  // nothing below holds a pointer across it.
  const r = it.next();
  if (r.done) return DONE; // the file is closed; the owner's death frees the rest
  const rt = b.rt;
  const l = rt.adtLayout(batchType);
  const p = rt.heap.alloc(l.layout);
  const fields = batchType.decl.kind === "StructDecl" ? batchType.decl.fields.map((f) => f.name.name) : [];
  const values: Record<string, Value> = { id: r.value.id, inputs: r.value.inputs, targets: r.value.targets };
  fields.forEach((f, i) => rt.store(p, i, l.kinds[i], values[f]));
  return p;
}

// ───────────── torch ─────────────

N["torch::load_model"] = ml((b, path) => {
  const dict = mlLibrary().loadStateDict(b.rt.tensors, b.rt.str(path as Ptr));
  return b.ml.nn.fromStateDict(dict);
});
N["torch::save"] = ml((b, m, path) => {
  const dict = b.ml.nn.stateDict(m as Ptr);
  mlLibrary().saveStateDict(dict, b.rt.str(path as Ptr));
  return undefined;
});

N["torch::no_grad"] = (s) => (body) => binding(s.rt).ag.noGrad(() => s.call(body as Ptr, []));

registerNatives(N);
