// Writes the pickle (protocol 2) that torch.save emits for a state_dict: an OrderedDict whose
// values are tensors rebuilt by `torch._utils._rebuild_tensor_v2` from persistent-id storages, or
// nested OrderedDicts. Only the opcodes torch itself uses, so any PyTorch version reads it back.

export type PickleNode =
  | { kind: "dict"; entries: [string, PickleNode][] }
  | { kind: "tensor"; storageType: string; key: string; numel: number; size: number[]; stride: number[] };

export class PickleWriter {
  private readonly out: number[] = [];

  static stateDict(root: PickleNode): Uint8Array {
    const w = new PickleWriter();
    w.byte(0x80, 2); // PROTO 2
    w.value(root);
    w.byte(0x2e); // STOP
    return Uint8Array.from(w.out);
  }

  private byte(...bs: number[]): void {
    for (const b of bs) this.out.push(b);
  }

  private global(module: string, name: string): void {
    this.byte(0x63); // GLOBAL
    for (const ch of Buffer.from(`${module}\n${name}\n`, "latin1")) this.out.push(ch);
  }

  private str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.byte(0x58); // BINUNICODE
    this.u32(b.length);
    for (const ch of b) this.out.push(ch);
  }

  private u32(n: number): void {
    this.byte(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }

  private int(n: number): void {
    if (n >= 0 && n < 256) this.byte(0x4b, n); // BININT1
    else if (n >= 0 && n < 65536) this.byte(0x4d, n & 0xff, n >>> 8); // BININT2
    else if (Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31) {
      this.byte(0x4a); // BININT
      this.u32(n >>> 0);
    } else {
      // LONG1 with 8 bytes, two's complement
      let v = BigInt(n);
      if (v < 0n) v += 1n << 64n;
      this.byte(0x8a, 8);
      for (let i = 0; i < 8; i++) this.byte(Number((v >> BigInt(8 * i)) & 0xffn));
    }
  }

  private tuple(items: number[]): void {
    if (items.length === 0) {
      this.byte(0x29); // EMPTY_TUPLE
      return;
    }
    if (items.length > 3) this.byte(0x28); // MARK
    for (const i of items) this.int(i);
    this.byte(items.length === 1 ? 0x85 : items.length === 2 ? 0x86 : items.length === 3 ? 0x87 : 0x74);
  }

  private emptyOrderedDict(): void {
    this.global("collections", "OrderedDict");
    this.byte(0x29, 0x52); // EMPTY_TUPLE REDUCE
  }

  private value(node: PickleNode): void {
    if (node.kind === "dict") {
      this.emptyOrderedDict();
      if (node.entries.length === 0) return;
      this.byte(0x28); // MARK
      for (const [k, v] of node.entries) {
        this.str(k);
        this.value(v);
      }
      this.byte(0x75); // SETITEMS
      return;
    }
    this.global("torch._utils", "_rebuild_tensor_v2");
    this.byte(0x28); // MARK (argument tuple)
    this.byte(0x28); // MARK (persistent id tuple)
    this.str("storage");
    this.global("torch", node.storageType);
    this.str(node.key);
    this.str("cpu");
    this.int(node.numel);
    this.byte(0x74, 0x51); // TUPLE BINPERSID
    this.int(0); // storage offset
    this.tuple(node.size);
    this.tuple(node.stride);
    this.byte(0x89); // NEWFALSE: requires_grad
    this.emptyOrderedDict(); // backward hooks
    this.byte(0x74, 0x52); // TUPLE REDUCE
  }
}
