// A restricted unpickler: exactly the pickle (protocol 2) that torch.save emits for a state_dict
// — OrderedDicts and dicts of tensors, tuples, lists, numbers, strings, booleans, None — and
// nothing else. Python objects are never constructed: the only callables it knows are
// `collections.OrderedDict` and torch's tensor-rebuild functions, and a storage is a persistent
// id resolved by the caller. Anything else is a P0501 naming what was found.

import { formatError } from "./errors";

export interface StorageRef {
  kind: "storage";
  /** torch's storage class name: FloatStorage, DoubleStorage, LongStorage, ... */
  storageType: string;
  key: string;
  numel: number;
}

export interface TensorRef {
  kind: "tensor";
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}

export interface Global {
  kind: "global";
  module: string;
  name: string;
}

/** A Python dict / OrderedDict, in insertion order. */
export class PyDict {
  readonly kind = "dict";
  readonly items = new Map<PyKey, PyValue>();
}

export type PyKey = string | number | boolean | null;
export type PyValue = PyKey | PyValue[] | PyDict | TensorRef | StorageRef | Global | Uint8Array;

const MARK = Symbol("mark");
type StackItem = PyValue | typeof MARK;

/** Unpickles `data` (the bytes of data.pkl); `file` names the .pt file in messages. */
export function unpickle(data: Uint8Array, file: string): PyValue {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: StackItem[] = [];
  const memo = new Map<number, PyValue>();
  let pos = 0;
  const fail = (what: string) => formatError(file, `unsupported pickle content: ${what} (only state_dicts of tensors can be loaded)`);
  const corrupt = (what: string) => formatError(file, `corrupt pickle data: ${what}`);

  const need = (n: number) => {
    if (pos + n > data.length) throw corrupt("unexpected end of data");
  };
  const u8 = () => (need(1), data[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const bytes = (n: number) => (need(n), (pos += n), data.subarray(pos - n, pos));
  const utf8 = (n: number) => Buffer.from(bytes(n)).toString("utf8");
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) throw corrupt("unterminated line");
    const s = Buffer.from(data.subarray(pos, end)).toString("latin1");
    pos = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw corrupt("stack underflow");
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw corrupt("stack underflow");
    return v;
  };
  const popMark = (): PyValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) throw corrupt("no mark on the stack");
    const items = stack.slice(i + 1) as PyValue[];
    stack.length = i;
    return items;
  };
  const setItems = (dict: PyValue, items: PyValue[]) => {
    if (!(dict instanceof PyDict)) throw fail(`setting items on ${describe(dict)}`);
    for (let i = 0; i + 1 < items.length; i += 2) dict.items.set(asKey(items[i]), items[i + 1]);
  };
  const asKey = (k: PyValue): PyKey => {
    if (k === null || typeof k === "string" || typeof k === "number" || typeof k === "boolean") return k;
    throw fail(`a dict key of type ${describe(k)}`);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw fail("pickle protocol above 5");
        break;
      case 0x95: // FRAME (protocol 4)
        bytes(8);
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes
        const b = bytes(u8());
        let v = 0n;
        for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (b.length > 0 && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw fail(`the integer ${v} (beyond ±2^53)`);
        stack.push(Number(v));
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(u8()));
        break;
      case 0x54: // BINSTRING
        stack.push(Buffer.from(bytes(i32())).toString("latin1"));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(Buffer.from(bytes(u8())).toString("latin1"));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()).slice());
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        const list = top();
        if (!Array.isArray(list)) throw corrupt("APPEND to a non-list");
        list.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) throw corrupt("APPENDS to a non-list");
        list.push(...items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const i = op === 0x68 ? u8() : u32();
        if (!memo.has(i)) throw corrupt(`memo entry ${i} is missing`);
        stack.push(memo.get(i)!);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push({ kind: "global", module, name });
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") throw corrupt("STACK_GLOBAL without strings");
        stack.push({ kind: "global", module, name });
        break;
      }
      case 0x51: {
        // BINPERSID: torch's storages
        stack.push(persistentLoad(pop(), fail));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        stack.push(reduce(callable, args, fail));
        break;
      }
      case 0x62: {
        // BUILD: only the `_metadata` attribute torch sets on a state_dict's OrderedDict
        const state = pop();
        const obj = top();
        if (!(obj instanceof PyDict) || !(state instanceof PyDict || state === null)) {
          throw fail(`setting the state of ${describe(obj)}`);
        }
        break;
      }
      default:
        throw fail(`pickle opcode 0x${op.toString(16).padStart(2, "0")} at byte ${pos - 1}`);
    }
  }
}

function persistentLoad(pid: PyValue, fail: (what: string) => Error): StorageRef {
  // ('storage', <class torch.FloatStorage>, key, location, numel)
  if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length < 5) throw fail(`a persistent id ${describe(pid)}`);
  const [, cls, key, , numel] = pid;
  if (!isGlobal(cls) || cls.module !== "torch" || typeof key !== "string" || typeof numel !== "number") {
    throw fail(`a persistent id ${describe(pid)}`);
  }
  return { kind: "storage", storageType: cls.name, key, numel };
}

function reduce(callable: PyValue, args: PyValue, fail: (what: string) => Error): PyValue {
  if (!isGlobal(callable)) throw fail(`calling ${describe(callable)}`);
  if (!Array.isArray(args)) throw fail(`calling ${callable.module}.${callable.name} without an argument tuple`);
  const qualified = `${callable.module}.${callable.name}`;
  switch (qualified) {
    case "collections.OrderedDict":
      if (args.length !== 0) throw fail("an OrderedDict built from arguments");
      return new PyDict();
    case "torch._utils._rebuild_tensor_v2": {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      const [storage, offset, size, stride] = args;
      if (
        !isStorage(storage) ||
        typeof offset !== "number" ||
        !isIntList(size) ||
        !isIntList(stride) ||
        size.length !== stride.length
      ) {
        throw fail(`a tensor rebuilt from ${describe(args)}`);
      }
      return { kind: "tensor", storage, offset, size, stride };
    }
    case "torch._utils._rebuild_parameter":
    case "torch._utils._rebuild_parameter_with_state": {
      const t = args[0];
      if (!isTensor(t)) throw fail(`a Parameter of ${describe(t)}`);
      return t;
    }
    default:
      throw fail(`the Python object ${qualified}`);
  }
}

function isGlobal(v: PyValue): v is Global {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "kind" in v && v.kind === "global";
}
function isStorage(v: PyValue): v is StorageRef {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "kind" in v && v.kind === "storage";
}
export function isTensor(v: PyValue): v is TensorRef {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "kind" in v && v.kind === "tensor";
}
function isIntList(v: PyValue): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0);
}

/** How a value is named in messages. */
export function describe(v: PyValue | undefined): string {
  if (v === null) return "None";
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return `a tuple of ${v.length}`;
  if (v instanceof PyDict) return "a dict";
  if (v instanceof Uint8Array) return "bytes";
  if (typeof v === "object") {
    if (v.kind === "global") return `${v.module}.${v.name}`;
    return `a ${v.kind}`;
  }
  return `${typeof v} ${JSON.stringify(v)}`;
}
