// The backward rule of every differentiable op: given the gradient `g` flowing into a node's
// output, the gradients of its (at most two) inputs. Each rule returns fresh tensors the caller
// owns, except that it may return `g` itself to pass it through without a copy.

import type { Tensor } from "../tensor/api";
import type { Autograd, Node } from "./autograd";
import { Slot } from "./autograd";
import { chain, keepDim, positiveMask, reduceTo, reduceToOwned, reluGradInPlace, sumDimKeep } from "./tensor_ops";

export enum Op {
  /** Not computed by a tracked op: a parameter, an input, or anything made under no_grad. */
  Leaf = 0,
  Add,
  Sub,
  Mul,
  Div,
  /** `a + s` and `a - s` (arg0 = the scalar); the gradient passes through. */
  AddScalar,
  /** `a * s` and `a / s` (arg0 = the factor). */
  MulScalar,
  /** `s / a` */
  RDivScalar,
  /** `-a` and `s - a` */
  Neg,
  MatMul,
  Exp,
  Log,
  Sqrt,
  Abs,
  Relu,
  Sigmoid,
  Tanh,
  /** arg0 = dim */
  Softmax,
  Sum,
  Mean,
  /** arg0 = dim */
  SumDim,
  /** arg0 = dim */
  MeanDim,
  Reshape,
  /** arg0, arg1 = the swapped dims */
  Transpose,
  /** Saved slot = (softmax - onehot) / N. */
  CrossEntropy,
  /** `x @ wᵀ` (nn::Linear without its bias): in0 = x [N, in], in1 = w [out, in]. */
  Linear,
  /** `x.pow(p)` (arg0 = p) */
  Pow,
}

type Grads = [Tensor | null, Tensor | null];

/**
 * The ops whose PyTorch backward keeps tensors of the forward pass (MulBackward0 keeps `other`
 * even when it is a Python scalar, ExpBackward0 its result, ...). PyTorch frees them at the end
 * of `backward()`, so a second backward through such a node is an error; the others (add, sub,
 * neg, sum, mean, reshape, transpose) keep only sizes and may be walked again.
 */
export function keepsForwardTensors(op: Op): boolean {
  switch (op) {
    case Op.Mul:
    case Op.Div:
    case Op.MulScalar:
    case Op.RDivScalar:
    case Op.MatMul:
    case Op.Exp:
    case Op.Log:
    case Op.Sqrt:
    case Op.Abs:
    case Op.Relu:
    case Op.Sigmoid:
    case Op.Tanh:
    case Op.Softmax:
    case Op.CrossEntropy:
    case Op.Linear:
    case Op.Pow:
      return true;
    default:
      return false;
  }
}

export function backwardRule(ag: Autograd, n: Node, g: Tensor, need0: boolean, need1: boolean): Grads {
  const heap = ag.heap;
  const rt = ag.rt;
  const op = heap.get(n, Slot.Op) as Op;
  const a = heap.getPtr(n, Slot.In0);
  const b = heap.getPtr(n, Slot.In1);
  const x = ag.value(a);
  const y = b !== 0 ? ag.value(b) : null;
  const out = ag.value(n);
  const arg0 = heap.get(n, Slot.Arg0);
  const arg1 = heap.get(n, Slot.Arg1);

  switch (op) {
    case Op.Add:
      return [need0 ? reduceTo(g, x.shape) : null, need1 ? reduceTo(g, y!.shape) : null];
    case Op.Sub:
      return [need0 ? reduceTo(g, x.shape) : null, need1 ? reduceToOwned(g.neg(), y!.shape) : null];
    case Op.Mul:
      return [
        need0 ? reduceToOwned(g.mul(y!), x.shape) : null,
        need1 ? reduceToOwned(g.mul(x), y!.shape) : null,
      ];
    case Op.Div:
      // d(x/y)/dy = -x/y² = -out/y
      return [
        need0 ? reduceToOwned(g.div(y!), x.shape) : null,
        need1 ? reduceToOwned(chain(g.mul(out), (t) => t.div(y!), (t) => t.neg()), y!.shape) : null,
      ];
    case Op.AddScalar:
      return [g, null];
    case Op.MulScalar:
      return [g.mul(arg0), null];
    case Op.RDivScalar:
      // d(s/x)/dx = -s/x² = -out/x
      return [chain(g.mul(out), (t) => t.div(x), (t) => t.neg()), null];
    case Op.Neg:
      return [g.neg(), null];
    case Op.MatMul:
      return matmulGrads(x, y!, out, g, need0, need1);
    case Op.Exp:
      return [g.mul(out), null];
    case Op.Log:
      return [g.div(x), null];
    case Op.Sqrt:
      return [chain(g.div(out), (t) => t.mul(0.5)), null];
    case Op.Pow:
      // d(x^p)/dx = p·x^(p-1)
      return [chain(x.pow(arg0 - 1), (t) => t.mul(arg0), (t) => t.mul(g)), null];
    case Op.Abs: {
      // sign(x), 0 at 0 as PyTorch gives
      const sign = chain(positiveMask(rt, x), (pos) => {
        const negMask = chain(x.neg(), (nx) => positiveMask(rt, nx));
        const s = pos.sub(negMask);
        negMask.free();
        return s;
      });
      return [chain(sign, (s) => s.mul(g)), null];
    }
    case Op.Relu:
      // `g` is this rule's to pass on: masked in place, it becomes the input's gradient.
      return [reluGradInPlace(rt, x, g), null];
    case Op.Sigmoid:
      return [chain(out.rsub(1), (t) => t.mul(out), (t) => t.mul(g)), null];
    case Op.Tanh:
      return [chain(out.mul(out), (t) => t.rsub(1), (t) => t.mul(g)), null];
    case Op.Softmax: {
      // dx = out * (g - sum(g * out, dim))
      const dot = chain(g.mul(out), (t) => sumDimKeep(t, arg0));
      return [chain(g.sub(dot), (t) => { dot.free(); return t.mul(out); }), null];
    }
    case Op.Sum:
      return [rt.full(x.shape, g.item(), x.dtype), null];
    case Op.Mean:
      return [rt.full(x.shape, g.item() / Math.max(x.numel(), 1), x.dtype), null];
    case Op.SumDim:
    case Op.MeanDim: {
      const scale = op === Op.MeanDim ? 1 / x.shape[arg0] : 1;
      const spread = chain(
        g.reshape(keepDim(x.shape, arg0)),
        (gk) => (scale === 1 ? gk : gk.mul(scale)),
        (gk) => {
          const zeros = rt.zeros(x.shape, x.dtype);
          const r = zeros.add(gk);
          zeros.free();
          return r;
        },
      );
      return [spread, null];
    }
    case Op.Reshape:
      return [g.reshape(x.shape), null];
    case Op.Transpose:
      return [g.transpose(arg0, arg1), null];
    case Op.Linear:
      // Both products read their transposed operands in place (the GEMM packs strided views), so
      // dw comes out contiguous in w's own layout with no transpose copied.
      return [need0 ? g.matmul(y!) : null, need1 ? chain(g.t(), (gt) => gt.matmul(x)) : null];
    case Op.CrossEntropy: {
      const saved = ag.handles.get(heap.get(n, Slot.Saved));
      return [saved.mul(g.item()), null];
    }
    case Op.Leaf:
      return [null, null];
  }
}

/**
 * out = x @ y with PyTorch's rules (a 1-D left operand is a row, a 1-D right operand a column,
 * leading batch dimensions broadcast): in matrix form dx = g @ yᵀ and dy = xᵀ @ g, each summed
 * over the batch dimensions its operand was broadcast along, then given the operand's shape.
 */
function matmulGrads(x: Tensor, y: Tensor, out: Tensor, g: Tensor, need0: boolean, need1: boolean): Grads {
  const xs = x.shape.length === 1 ? [1, x.shape[0]] : x.shape;
  const ys = y.shape.length === 1 ? [y.shape[0], 1] : y.shape;
  const gs = out.shape.slice();
  if (x.shape.length === 1) gs.splice(gs.length - (y.shape.length === 1 ? 0 : 1), 0, 1);
  if (y.shape.length === 1) gs.push(1);
  const g2 = g.reshape(gs);
  const x2 = x.reshape(xs);
  const y2 = y.reshape(ys);
  const grad = (t: Tensor, matrixShape: number[], shape: number[]) =>
    chain(reduceToOwned(t, matrixShape), (r) => r.reshape(shape));
  const gx = need0 ? grad(chain(y2.transpose(-2, -1), (yt) => g2.matmul(yt)), xs, x.shape) : null;
  const gy = need1 ? grad(chain(x2.transpose(-2, -1), (xt) => xt.matmul(g2)), ys, y.shape) : null;
  g2.free();
  x2.free();
  y2.free();
  return [gx, gy];
}
