// `Tensor::stack`: PyTorch's torch.stack, built from the runtime's `unsqueeze` and `concat` (a
// function over the interface, so it needs nothing from the runtime's loading).

import type { Tensor, TensorRuntime } from "./api";
import { normDim, shapePanic, shapeStr } from "./errors";

/** The tensors, all of one shape, joined along a new dimension `dim`. */
export function stack(rt: TensorRuntime, tensors: Tensor[], dim: number): Tensor {
  if (tensors.length === 0) throw shapePanic("stack expects a non-empty list of tensors");
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (t.shape.length !== first.shape.length || t.shape.some((n, j) => n !== first.shape[j])) {
      throw shapePanic(`stack expects each tensor to be equal size, but got ${shapeStr(first.shape)} at entry 0 and ${shapeStr(t.shape)} at entry ${i}`);
    }
  });
  const d = normDim(dim, first.shape.length + 1);
  const parts = tensors.map((t) => t.unsqueeze(d));
  try {
    return rt.concat(parts, d);
  } finally {
    for (const p of parts) p.free();
  }
}
