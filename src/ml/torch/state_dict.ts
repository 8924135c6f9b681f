// `torch::load_model` / `torch::save` underneath: reading and writing the `.pt` files torch.save
// makes for a state_dict (a zip holding data.pkl and one raw little-endian file per storage).

import * as fs from "fs";
import type { DType, Tensor, TensorRuntime } from "../../tensor/api";
import { formatError } from "./errors";
import { PickleNode, PickleWriter } from "./pickle_writer";
import { PyDict, StorageRef, TensorRef, describe, isTensor, unpickle } from "./unpickle";
import { readZip, writeZip, ZipEntry } from "./zip";

/** The torch dtypes STARK reads and writes. int64 has no STARK dtype: it is held as i32. */
export type TorchDtype = "float32" | "float64" | "int32" | "int64";

export interface LoadedTensor {
  tensor: Tensor;
  /** What the file said, so that saving writes an int64 back as int64. */
  torchDtype: TorchDtype;
}

/** A state_dict: names to tensors, or to nested state_dicts, in the file's order. */
export type StateDict = Map<string, LoadedTensor | StateDict>;

/** What `saveStateDict` accepts: plain tensors are saved with their own dtype. */
export type SavableStateDict = Map<string, Tensor | LoadedTensor | SavableStateDict>;

export interface LoadOptions {
  /**
   * How int64 tensors become STARK tensors: "i32" (default; a value outside the i32 range is a
   * P0501) or "f64" (exact up to 2^53).
   */
  int64As?: "i32" | "f64";
}

const STORAGE_TYPES: Record<string, { dtype: TorchDtype; bytes: number }> = {
  FloatStorage: { dtype: "float32", bytes: 4 },
  DoubleStorage: { dtype: "float64", bytes: 8 },
  IntStorage: { dtype: "int32", bytes: 4 },
  LongStorage: { dtype: "int64", bytes: 8 },
};

const UNSUPPORTED_NAMES: Record<string, string> = {
  HalfStorage: "float16",
  BFloat16Storage: "bfloat16",
  ByteStorage: "uint8",
  CharStorage: "int8",
  ShortStorage: "int16",
  BoolStorage: "bool",
  ComplexFloatStorage: "complex64",
  ComplexDoubleStorage: "complex128",
};

function isLoaded(v: LoadedTensor | StateDict): v is LoadedTensor {
  return !(v instanceof Map);
}

/** Frees every tensor of a state dict (for a caller that is done with it). */
export function freeStateDict(dict: StateDict): void {
  for (const v of dict.values()) {
    if (isLoaded(v)) v.tensor.free();
    else freeStateDict(v);
  }
}

/** Reads a `.pt` file holding a state_dict. Every failure is a P0501 naming the file. */
export function loadStateDict(rt: TensorRuntime, path: string, options: LoadOptions = {}): StateDict {
  let buf: Uint8Array;
  try {
    buf = fs.readFileSync(path);
  } catch (e) {
    throw formatError(path, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const entries = readZip(buf, path);
  const pklName = [...entries.keys()].find((n) => n === "data.pkl" || n.endsWith("/data.pkl"));
  if (!pklName) throw formatError(path, "not a torch.save archive (no data.pkl inside)");
  const prefix = pklName.slice(0, pklName.length - "data.pkl".length);
  const root = unpickle(entries.get(pklName)!, path);
  if (!(root instanceof PyDict)) {
    throw formatError(path, `expected a state_dict (an OrderedDict of tensors), found ${describe(root)}`);
  }
  const created: Tensor[] = [];
  const storages = new Map<string, Uint8Array>();
  const storageBytes = (s: StorageRef): Uint8Array => {
    let b = storages.get(s.key);
    if (!b) {
      const entry = entries.get(`${prefix}data/${s.key}`);
      if (!entry) throw formatError(path, `storage ${s.key} is missing from the archive`);
      // Copy so that the typed-array views below are aligned.
      b = entry.slice();
      storages.set(s.key, b);
    }
    return b;
  };
  const convert = (dict: PyDict, where: string): StateDict => {
    const out: StateDict = new Map();
    for (const [key, value] of dict.items) {
      if (typeof key !== "string") throw formatError(path, `state_dict key ${describe(key)} is not a string`);
      const name = where + key;
      if (value instanceof PyDict) out.set(key, convert(value, `${name}.`));
      else if (isTensor(value)) {
        const t = buildTensor(rt, value, storageBytes(value.storage), name, path, options);
        created.push(t.tensor);
        out.set(key, t);
      } else {
        throw formatError(path, `unsupported pickle content: '${name}' holds ${describe(value)}, not a tensor`);
      }
    }
    return out;
  };
  try {
    return convert(root, "");
  } catch (e) {
    for (const t of created) t.free();
    throw e;
  }
}

function buildTensor(
  rt: TensorRuntime,
  ref: TensorRef,
  bytes: Uint8Array,
  name: string,
  path: string,
  options: LoadOptions,
): LoadedTensor {
  const kind = STORAGE_TYPES[ref.storage.storageType];
  if (!kind) {
    const dt = UNSUPPORTED_NAMES[ref.storage.storageType] ?? ref.storage.storageType;
    throw formatError(path, `tensor '${name}' has dtype ${dt}; STARK reads float32, float64, int32 and int64 tensors`);
  }
  const numel = ref.size.reduce((a, b) => a * b, 1);
  const storageNumel = Math.floor(bytes.length / kind.bytes);
  let last = ref.offset;
  for (let d = 0; d < ref.size.length; d++) last += (ref.size[d] - 1) * ref.stride[d];
  if (numel > 0 && last >= Math.min(storageNumel, ref.storage.numel)) {
    throw formatError(path, `tensor '${name}' reaches element ${last} of a storage of ${storageNumel} elements`);
  }
  // Stride-0 (expanded) tensors may have more elements than their storage, but a corrupt size
  // must not make us allocate gigabytes.
  if (numel > storageNumel && numel > 1 << 24) {
    throw formatError(path, `tensor '${name}' claims ${numel} elements over a storage of ${storageNumel}`);
  }
  const read = reader(kind.dtype, bytes);
  const flat = new Array<number>(numel);
  const idx = new Array<number>(ref.size.length).fill(0);
  for (let i = 0; i < numel; i++) {
    let at = ref.offset;
    for (let d = 0; d < idx.length; d++) at += idx[d] * ref.stride[d];
    flat[i] = read(at);
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < ref.size[d]) break;
      idx[d] = 0;
    }
  }
  let dtype: DType;
  if (kind.dtype === "float32") dtype = "f32";
  else if (kind.dtype === "float64") dtype = "f64";
  else if (kind.dtype === "int32") dtype = "i32";
  else {
    dtype = options.int64As === "f64" ? "f64" : "i32";
    const limit = dtype === "i32" ? 2 ** 31 : 2 ** 53;
    const bad = flat.find((v) => v >= limit || v < -limit);
    if (bad !== undefined) {
      throw formatError(
        path,
        `int64 tensor '${name}' holds ${bad}, outside STARK's ${dtype} range` +
          (dtype === "i32" ? " (load it with int64 as f64 to keep values up to 2^53)" : ""),
      );
    }
  }
  let tensor: Tensor;
  if (numel === 0) tensor = rt.zeros(ref.size, dtype);
  else if (ref.size.length === 0) tensor = rt.from(flat[0], dtype);
  else {
    const flatTensor = rt.from(flat, dtype);
    tensor = flatTensor.reshape(ref.size);
    if (tensor !== flatTensor) flatTensor.free();
  }
  return { tensor, torchDtype: kind.dtype };
}

function reader(dtype: TorchDtype, bytes: Uint8Array): (i: number) => number {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  switch (dtype) {
    case "float32": {
      const a = new Float32Array(buffer, 0, Math.floor(bytes.length / 4));
      return (i) => a[i];
    }
    case "float64": {
      const a = new Float64Array(buffer, 0, Math.floor(bytes.length / 8));
      return (i) => a[i];
    }
    case "int32": {
      const a = new Int32Array(buffer, 0, Math.floor(bytes.length / 4));
      return (i) => a[i];
    }
    case "int64": {
      const a = new BigInt64Array(buffer, 0, Math.floor(bytes.length / 8));
      return (i) => Number(a[i]);
    }
  }
}

/** Writes a state_dict as torch.save does, so that `torch.load` reads it back. */
export function saveStateDict(dict: SavableStateDict, path: string): void {
  const storages: ZipEntry[] = [];
  const toNode = (d: SavableStateDict): PickleNode => {
    const entries: [string, PickleNode][] = [];
    for (const [key, value] of d) {
      if (value instanceof Map) {
        entries.push([key, toNode(value)]);
        continue;
      }
      const loaded = "torchDtype" in value ? value : null;
      const tensor = loaded ? loaded.tensor : (value as Tensor);
      const torchDtype: TorchDtype =
        loaded?.torchDtype === "int64" && tensor.dtype === "i32"
          ? "int64"
          : tensor.dtype === "f32"
            ? "float32"
            : tensor.dtype === "f64"
              ? "float64"
              : "int32";
      const key2 = String(storages.length);
      storages.push({ name: `archive/data/${key2}`, data: tensorBytes(tensor, torchDtype) });
      const shape = tensor.shape.slice();
      const stride = new Array<number>(shape.length);
      for (let i = shape.length - 1, s = 1; i >= 0; i--) {
        stride[i] = s;
        s *= shape[i];
      }
      const storageType = Object.keys(STORAGE_TYPES).find((k) => STORAGE_TYPES[k].dtype === torchDtype)!;
      entries.push([key, { kind: "tensor", storageType, key: key2, numel: tensor.numel(), size: shape, stride }]);
    }
    return { kind: "dict", entries };
  };
  const pickle = PickleWriter.stateDict(toNode(dict));
  const zip = writeZip([
    { name: "archive/data.pkl", data: pickle },
    { name: "archive/byteorder", data: Buffer.from("little") },
    ...storages,
    { name: "archive/version", data: Buffer.from("3\n") },
  ]);
  try {
    fs.writeFileSync(path, zip);
  } catch (e) {
    throw formatError(path, `cannot write the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

function tensorBytes(t: Tensor, dtype: TorchDtype): Uint8Array {
  const n = t.numel();
  let arr: Float32Array | Float64Array | Int32Array | BigInt64Array;
  switch (dtype) {
    case "float32":
      arr = new Float32Array(n);
      break;
    case "float64":
      arr = new Float64Array(n);
      break;
    case "int32":
      arr = new Int32Array(n);
      break;
    case "int64": {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) a[i] = BigInt(t.getFlat(i));
      return new Uint8Array(a.buffer);
    }
  }
  for (let i = 0; i < n; i++) arr[i] = t.getFlat(i);
  return new Uint8Array(arr.buffer);
}
