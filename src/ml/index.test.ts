import { createHeap } from "../../heap";
import { Runtime } from "../tensor/runtime";
import { createMl } from ".";

test("createMl wires autograd, nn and optim to one heap; dead graphs are freed by the collector", () => {
  const rt = new Runtime();
  const heap = createHeap({ mode: "Training" });
  const roots: number[] = [];
  heap.setRootScanner((visit) => roots.forEach((p, i) => (roots[i] = visit(p))));
  const { ag, nn, optim, boundary } = createMl(rt, heap);
  roots.push(nn.linear(4, 1));
  roots.push(optim.sgd(nn.parameters(roots[0]), { lr: 0.1, momentum: 0.9 }));
  const losses: number[] = [];
  for (let step = 0; step < 50; step++) {
    boundary.reached();
    const x = ag.tensor(rt.from([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]));
    const y = ag.tensor(rt.from([[1], [2], [3], [4]]));
    const loss = nn.mseLoss(nn.forward(roots[0], x), y);
    optim.zeroGrad(roots[1]);
    ag.backward(loss);
    optim.step(roots[1]);
    losses.push(ag.item(loss));
  }
  expect(losses[49]).toBeLessThan(losses[0] / 100);
  heap.collectFull();
  // weight, bias, their grads and momentum buffers
  expect(rt.memoryStats().liveTensors).toBe(6);
  roots.length = 0;
  heap.collectFull();
  expect(rt.memoryStats().liveTensors).toBe(0);
});
