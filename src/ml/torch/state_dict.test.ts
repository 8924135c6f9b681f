// Reading the .pt files PyTorch wrote (test/fixtures/ml, made by make_fixtures.py) and writing
// files that read back identically — and, where python3-torch is installed, that PyTorch reads.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StarkPanic } from "../../diagnostics";
import { Runtime } from "../../tensor/runtime";
import type { Tensor } from "../../tensor/api";
import { LoadedTensor, StateDict, freeStateDict, loadStateDict, saveStateDict } from "./state_dict";
import { crc32, readZip } from "./zip";
import { unpickle } from "./unpickle";

const FIXTURES = path.join(__dirname, "../../../test/fixtures/ml");
const fixture = (name: string) => path.join(FIXTURES, name);
const reference = JSON.parse(fs.readFileSync(fixture("reference.json"), "utf8"));

function values(t: Tensor): number[] {
  return Array.from({ length: t.numel() }, (_, i) => t.getFlat(i));
}
function leaf(d: StateDict, key: string): LoadedTensor {
  const v = d.get(key);
  if (!v || v instanceof Map) throw new Error(`no tensor ${key}`);
  return v;
}
function expectP0501(f: () => unknown, message: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StarkPanic);
    expect((e as StarkPanic).code).toBe("P0501");
    expect((e as StarkPanic).message).toMatch(message);
    return;
  }
  throw new Error("expected P0501");
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stark-pt-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("loadStateDict reads what torch.save wrote", () => {
  test("a Sequential's f32 state_dict, in order, with PyTorch's seeded values", () => {
    const rt = new Runtime({ kernels: false });
    const d = loadStateDict(rt, fixture("seq_f32.pt"));
    expect([...d.keys()]).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    const w = leaf(d, "0.weight");
    expect(w.torchDtype).toBe("float32");
    expect(w.tensor.dtype).toBe("f32");
    expect(w.tensor.shape).toEqual([4, 3]);
    expect(leaf(d, "2.bias").tensor.shape).toEqual([2]);
    // manual_seed(0) then Linear(3, 4): the same generator as Linear(4, 3)'s first draws.
    expect(values(w.tensor).every((v) => Math.abs(v) <= 1 / Math.sqrt(3))).toBe(true);
    freeStateDict(d);
    expect(rt.memoryStats().liveTensors).toBe(0);
  });

  test("f64, int64, 0-d, transposed and storage-sharing tensors", () => {
    const rt = new Runtime({ kernels: false });
    const d = loadStateDict(rt, fixture("mixed.pt"), { int64As: "f64" });
    expect(values(leaf(d, "double").tensor)).toEqual([1.5, -2.25, 3.0, 4.125]);
    expect(leaf(d, "double").tensor.dtype).toBe("f64");
    expect(values(leaf(d, "long").tensor)).toEqual([7, -3, 2 ** 40]);
    expect(leaf(d, "long").torchDtype).toBe("int64");
    const count = leaf(d, "count").tensor;
    expect(count.shape).toEqual([]);
    expect(count.item()).toBe(12);
    const tr = leaf(d, "transposed").tensor;
    expect(tr.shape).toEqual([3, 2]);
    expect(values(tr)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(values(leaf(d, "window").tensor)).toEqual([2, 3, 4]);
    expect(values(leaf(d, "base").tensor)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    freeStateDict(d);
    expect(rt.memoryStats().liveTensors).toBe(0);
  });

  test("int64 values outside i32 are refused by default, and nothing leaks", () => {
    const rt = new Runtime({ kernels: false });
    expectP0501(() => loadStateDict(rt, fixture("mixed.pt")), /int64 tensor 'long' holds 1099511627776, outside STARK's i32 range/);
    expect(rt.memoryStats().liveTensors).toBe(0);
  });

  test("nested OrderedDicts", () => {
    const rt = new Runtime({ kernels: false });
    const d = loadStateDict(rt, fixture("nested.pt"));
    const enc = d.get("encoder") as StateDict;
    expect([...enc.keys()]).toEqual(["weight", "bias"]);
    expect(values(leaf(enc, "weight").tensor)).toEqual([1, 1, 1, 1]);
    expect(values(leaf(d.get("decoder") as StateDict, "weight").tensor)).toEqual([0.5, 0.5]);
    freeStateDict(d);
  });

  test("unsupported content is a clear P0501, never a crash", () => {
    const rt = new Runtime({ kernels: false });
    expectP0501(() => loadStateDict(rt, fixture("half.pt")), /tensor 'w' has dtype float16; STARK reads float32, float64, int32 and int64/);
    expectP0501(() => loadStateDict(rt, fixture("function.pt")), /unsupported pickle content: 'f' holds __builtin__.print, not a tensor/);
    expectP0501(() => loadStateDict(rt, fixture("missing.pt")), /missing.pt: cannot read the file \(ENOENT\)/);
    expectP0501(() => loadStateDict(rt, fixture("reference.json")), /not a PyTorch zip archive/);
    expect(rt.memoryStats().liveTensors).toBe(0);
  });

  test("truncated and bit-flipped files never escape as JavaScript errors", () => {
    const rt = new Runtime({ kernels: false });
    const good = fs.readFileSync(fixture("seq_f32.pt"));
    const file = path.join(tmp, "broken.pt");
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.from(good.subarray(0, i % 2 === 0 ? good.length : Math.floor(rand() * good.length)));
      for (let k = 0; k < 3; k++) bytes[Math.floor(rand() * bytes.length)] ^= 1 << Math.floor(rand() * 8);
      fs.writeFileSync(file, bytes);
      try {
        freeStateDict(loadStateDict(rt, file));
      } catch (e) {
        expect(e).toBeInstanceOf(StarkPanic);
        expect((e as StarkPanic).code).toBe("P0501");
      }
    }
    expect(rt.memoryStats().liveTensors).toBe(0);
  });
});

describe("hostile input", () => {
  test("a flipped data byte is caught by the CRC", () => {
    const rt = new Runtime({ kernels: false });
    const bytes = Buffer.from(fs.readFileSync(fixture("seq_f32.pt")));
    const entries = readZip(bytes, "x");
    const storage = entries.get("seq_f32/data/0")!;
    const at = bytes.indexOf(Buffer.from(storage));
    bytes[at + 5] ^= 0x10;
    const file = path.join(tmp, "flipped.pt");
    fs.writeFileSync(file, bytes);
    expectP0501(() => loadStateDict(rt, file), /entry seq_f32\/data\/0 is corrupt \(CRC mismatch\)/);
  });

  test("mutated pickles only ever fail as P0501", () => {
    const original = readZip(fs.readFileSync(fixture("mixed.pt")), "x").get("mixed/data.pkl")!;
    let seed = 99;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    let failures = 0;
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from(original);
      for (let k = 0; k <= rand(4); k++) bytes[rand(bytes.length)] = rand(256);
      const cut = i % 3 === 0 ? bytes.subarray(0, rand(bytes.length)) : bytes;
      try {
        unpickle(cut, "fuzz.pt");
      } catch (e) {
        expect(e).toBeInstanceOf(StarkPanic);
        expect((e as StarkPanic).code).toBe("P0501");
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(100);
  });
});

describe("saveStateDict", () => {
  test("round-trips f32, f64, i32, int64 and nested dicts", () => {
    const rt = new Runtime({ kernels: false });
    const file = path.join(tmp, "roundtrip.pt");
    const inner = new Map([["scale", rt.from([[0.25, 0.5, 0.75]], "f64")]]);
    const steps = { tensor: rt.from([3, -4], "i32"), torchDtype: "int64" as const };
    const dict = new Map<string, Tensor | LoadedTensor | Map<string, Tensor>>([
      ["weight", rt.from([[1, 2], [3, 4]])],
      ["ids", rt.from([1, 2, 3], "i32")],
      ["steps", steps],
      ["scalar", rt.from(2.5, "f64")],
      ["inner", inner],
    ]);
    saveStateDict(dict, file);
    const back = loadStateDict(rt, file);
    expect([...back.keys()]).toEqual(["weight", "ids", "steps", "scalar", "inner"]);
    expect(values(leaf(back, "weight").tensor)).toEqual([1, 2, 3, 4]);
    expect(leaf(back, "weight").tensor.shape).toEqual([2, 2]);
    expect(leaf(back, "ids").torchDtype).toBe("int32");
    expect(leaf(back, "steps").torchDtype).toBe("int64");
    expect(values(leaf(back, "steps").tensor)).toEqual([3, -4]);
    expect(leaf(back, "scalar").tensor.shape).toEqual([]);
    expect(values(leaf(back.get("inner") as StateDict, "scale").tensor)).toEqual([0.25, 0.5, 0.75]);
  });

  test("writes 64-byte aligned stored entries with correct CRCs, as torch does", () => {
    const rt = new Runtime({ kernels: false });
    const file = path.join(tmp, "aligned.pt");
    saveStateDict(new Map([["w", rt.from([1, 2, 3])]]), file);
    const buf = fs.readFileSync(file);
    const at = buf.indexOf("archive/data/0");
    const local = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]), at);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    expect(start % 64).toBe(0);
    expect(Array.from(new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + start + 12)))).toEqual([1, 2, 3]);
    expect(buf.readUInt32LE(local + 14)).toBe(crc32(buf.subarray(start, start + 12)));
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
  });

  test("an unwritable path is P0501", () => {
    const rt = new Runtime({ kernels: false });
    expectP0501(() => saveStateDict(new Map([["w", rt.from([1])]]), path.join(tmp, "no/such/dir/x.pt")), /cannot write the file/);
  });

  const python = "/usr/bin/python3";
  const hasTorch = fs.existsSync(python) && spawnSync(python, ["-c", "import torch"]).status === 0;
  (hasTorch ? test : test.skip)("PyTorch loads what we wrote (runs only where python3-torch is installed)", () => {
    const rt = new Runtime({ kernels: false });
    const file = path.join(tmp, "for_torch.pt");
    saveStateDict(
      new Map<string, Tensor | LoadedTensor | Map<string, Tensor>>([
        ["w", rt.from([[1.5, 2], [3, 4]])],
        ["n", { tensor: rt.from(7, "i32"), torchDtype: "int64" }],
        ["sub", new Map([["d", rt.from([0.1], "f64")]])],
      ]),
      file,
    );
    const script =
      "import sys, torch; d = torch.load(sys.argv[1]); " +
      "print(type(d).__name__, list(d.keys()), d['w'].tolist(), d['w'].dtype, d['n'].item(), d['n'].dtype, d['sub']['d'].tolist(), d['sub']['d'].dtype)";
    const r = spawnSync(python, ["-c", script, file], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(
      "OrderedDict ['w', 'n', 'sub'] [[1.5, 2.0], [3.0, 4.0]] torch.float32 7 torch.int64 [0.1] torch.float64",
    );
  });

  test("the reference Linear weights survive save and load bit for bit", () => {
    const rt = new Runtime({ kernels: false });
    const file = path.join(tmp, "linear.pt");
    const w = rt.from(reference.linear_init_seed0.weight);
    saveStateDict(new Map([["weight", w]]), file);
    const back = leaf(loadStateDict(rt, file), "weight").tensor;
    expect(values(back)).toEqual(values(w));
  });
});
