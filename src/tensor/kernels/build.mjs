#!/usr/bin/env node
// Builds the tensor kernels from source (called by scripts/build.mjs, i.e. by `npm install` and
// `npm run build`): assembles the WAT from ./wat.mjs with wabt into two modules beside the
// compiled runtime — kernels.wasm (SIMD128) and kernels-relaxed.wasm (relaxed SIMD FMA in the
// GEMM). The runtime picks one at load time after feature detection.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";
import { kernelsWat } from "./wat.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");
const outDir = join(root, "dist/src/tensor/kernels");
mkdirSync(outDir, { recursive: true });

const wabt = await wabtInit();
for (const [file, relaxed] of [["kernels.wasm", false], ["kernels-relaxed.wasm", true]]) {
  const text = kernelsWat({ relaxed });
  const mod = wabt.parseWat(file.replace(".wasm", ".wat"), text, { simd: true, relaxed_simd: relaxed, bulk_memory: true });
  mod.validate();
  const { buffer } = mod.toBinary({ write_debug_names: true });
  mod.destroy();
  writeFileSync(join(outDir, file), buffer);
  console.log(`tensor kernels: ${file} (${buffer.length} bytes)`);
}
