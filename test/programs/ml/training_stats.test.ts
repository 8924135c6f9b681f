// Training-mode GC statistics through the CLI: with a small nursery, young collections happen at
// `batches()` boundaries and none inside a step. (The annotated program beside this file cannot
// print the boundary count: the GC-stress run of every program must print the same.)

import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(__dirname, "../../..");

test("a training loop with a small nursery collects at batch boundaries, never inside a step", () => {
  const program = `
fn main() {
    gc::configure(GCConfig { mode: GCMode::Training, young_gen_size: 256 * 1024 });
    gc::collect_young();
    torch::manual_seed(3);
    let iris = Dataset::from_csv("test/fixtures/ml/iris.csv").with_target("species");
    let model = Gc::new(nn::Sequential::new(vec![nn::Linear::new(4, 8), nn::ReLU::new(), nn::Linear::new(8, 3)]));
    let mut opt = optim::SGD::new(model.parameters(), 0.05);
    let before = gc::stats();
    for _ in 0..20 {
        for batch in iris.batches(10) {
            let mut notes: Vec<String> = Vec::new();
            for i in 0..20 { notes.push(f"batch {batch.id} note {i}"); }
            let loss = nn::cross_entropy(&model.forward(&batch.inputs), &batch.targets);
            opt.zero_grad();
            loss.backward();
            opt.step();
        }
    }
    let after = gc::stats();
    print(after.collections_at_boundary - before.collections_at_boundary);
    print(after.collections_in_step - before.collections_in_step);
}`;
  const file = resolve(require("node:os").tmpdir(), `stark_training_stats_${process.pid}.stark`);
  require("node:fs").writeFileSync(file, program);
  const r = spawnSync(process.execPath, [resolve(ROOT, "bin/stark.js"), "run", file], { cwd: ROOT, encoding: "utf8" });
  expect(r.stderr).toBe("");
  const [atBoundary, inStep] = r.stdout.trim().split("\n").map(Number);
  expect(atBoundary).toBeGreaterThan(0);
  expect(inStep).toBe(0);
}, 60000);
