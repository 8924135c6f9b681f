// Small tensor helpers the gradient rules are written with. They keep ownership explicit: each
// returns a fresh tensor the caller owns and frees every intermediate it made.

import type { Shape, Tensor, TensorRuntime } from "../tensor/api";
import { DenseTensor } from "../tensor/tensor";

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `shape` with dimension `d` kept as size 1 (what `sum_dim(d, keepdim=True)` gives). */
export function keepDim(shape: Shape, d: number): Shape {
  const out = shape.slice();
  out[d] = 1;
  return out;
}

/** Applies `steps` in order; each intermediate is freed once the next step has used it. */
export function chain(first: Tensor, ...steps: ((t: Tensor) => Tensor)[]): Tensor {
  let cur = first;
  for (const step of steps) {
    const next = step(cur);
    if (next !== cur) cur.free();
    cur = next;
  }
  return cur;
}

/** `t.sum_dim(d)` with the dimension kept (size 1). */
export function sumDimKeep(t: Tensor, d: number): Tensor {
  return chain(t.sumDim(d), (s) => s.reshape(keepDim(t.shape, d)));
}

/**
 * The gradient of a broadcast operand: `t` summed over the dimensions broadcasting stretched, so
 * that it has `shape` again. Returns `t` itself when nothing was broadcast (no copy), otherwise a
 * new tensor (and `t` is left to the caller).
 */
export function reduceTo(t: Tensor, shape: Shape): Tensor {
  if (sameShape(t.shape, shape)) return t;
  let cur = t;
  const step = (next: Tensor) => {
    if (cur !== t) cur.free();
    cur = next;
  };
  while (cur.shape.length > shape.length) step(cur.sumDim(0));
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1 && cur.shape[d] !== 1) step(sumDimKeep(cur, d));
  }
  if (!sameShape(cur.shape, shape)) step(cur.reshape(shape));
  return cur === t ? t.clone() : cur;
}

/** `reduceTo` that consumes `t`. */
export function reduceToOwned(t: Tensor, shape: Shape): Tensor {
  const r = reduceTo(t, shape);
  if (r !== t) t.free();
  return r;
}

/**
 * 1 where `t > 0`, else 0, in `t`'s dtype (relu's and abs's gradient mask). Uses the runtime's
 * `gt` when it has one. Otherwise it is composed from whole-tensor ops, exactly: relu(t) scaled
 * twice by the dtype's largest safe power of ten is +inf for every positive element (even the
 * smallest subnormal) and 0 for the rest, and 1 - exp(-that) maps inf to 1 and 0 to 0.
 */
export function positiveMask(rt: TensorRuntime, t: Tensor): Tensor {
  if (t.gt) return t.gt(0);
  if (t.dtype === "f32" || t.dtype === "f64") {
    const big = t.dtype === "f32" ? 1e38 : 1e300;
    return chain(
      t.relu(),
      (r) => r.mul(big),
      (r) => r.mul(big),
      (r) => r.neg(),
      (r) => r.exp(),
      (r) => r.rsub(1),
    );
  }
  const n = t.numel();
  const flat = new Array<number>(n);
  for (let i = 0; i < n; i++) flat[i] = t.getFlat(i) > 0 ? 1 : 0;
  return chain(rt.from(flat, t.dtype), (f) => f.reshape(t.shape));
}

/**
 * relu's gradient: `g` where `x > 0`, else 0 (NaN in `x` gives 0, as PyTorch's mask does).
 * When both are dense and contiguous, `g` (which the caller must own) is masked in place and
 * returned — one pass, no tensor allocated, instead of `positiveMask`'s six whole-tensor
 * kernels; otherwise a new tensor is returned and `g` is left to the caller, as `reduceTo` does.
 */
export function reluGradInPlace(rt: TensorRuntime, x: Tensor, g: Tensor): Tensor {
  if (x instanceof DenseTensor && g instanceof DenseTensor && x.contiguous && g.contiguous && x.dtype === g.dtype && sameShape(x.shape, g.shape)) {
    const xd = x.data();
    const gd = g.data();
    const xo = x.base;
    const go = g.base;
    for (let i = 0, n = g.numel(); i < n; i++) if (!(xd[xo + i] > 0)) gd[go + i] = 0;
    return g;
  }
  return chain(positiveMask(rt, x), (m) => m.mul(g));
}
