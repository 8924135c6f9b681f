// Owned tensor storage: one WebAssembly.Memory shared with the SIMD kernels, carved up by a
// size-class allocator, plus bump arenas for `with_arena`.
//
// Why size classes: tensors in ML scripts come in a handful of repeating sizes (the same layer
// shapes every iteration), so exact-class free lists give O(1) alloc/free and near-perfect reuse
// without the bookkeeping of coalescing. Classes are 4 steps per power of two, so rounding wastes
// at most 25%. Blocks are 64-byte aligned: SIMD loads never straddle a cache line needlessly.
//
// A `Block` is one allocation; tensors (an owner and its views) reference it and the block is
// released when the last of them is freed (reference counting — views keep their base alive).

import { storagePanic } from "./errors";
import { Wasm, WasmMemory } from "./wasm";

const PAGE = 65536;
/** wasm32 can address 4 GiB: 65536 pages. */
const MAX_PAGES = 65536;
const ALIGN = 64;
/** Bytes at the bottom of memory never handed out, so offset 0 is never a live block. */
const RESERVED = 1024;
/** Arena chunks are at least this big; bigger requests get a chunk of their own. */
const ARENA_CHUNK = 1 << 20;

export interface Block {
  /** Byte offset in the wasm memory. */
  offset: number;
  /** Bytes the tensor asked for (what `memoryStats` counts). */
  bytes: number;
  /** Bytes actually reserved (the size class), 0 for arena blocks and empty tensors. */
  reserved: number;
  /** Live tensor handles (owner + views) sharing this block. */
  refs: number;
  /** The arena it was bump-allocated from, or null for owned storage. */
  arena: Arena | null;
  /** Set once the storage is given back; any handle still pointing here is dead. */
  released: boolean;
}

interface Arena {
  chunks: { offset: number; reserved: number }[];
  cursor: number;
  end: number;
  blocks: Block[];
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Size class of a request: 64, then 4 classes per power of two (80, 96, 112, 128, 160, ...). */
export function sizeClass(bytes: number): number {
  if (bytes <= ALIGN) return ALIGN;
  const p = Math.floor(Math.log2(bytes - 1));
  const base = 2 ** p;
  const step = base / 4;
  return alignUp(base + Math.ceil((bytes - base) / step) * step, ALIGN);
}

export class TensorStorage {
  readonly memory: WasmMemory;
  private top = RESERVED;
  private freeLists = new Map<number, number[]>();
  private arenas: Arena[] = [];
  private limit: number;

  liveBytes = 0;
  liveTensors = 0;
  peakBytes = 0;

  private buffer: ArrayBuffer;
  private f32view: Float32Array;
  private f64view: Float64Array;
  private i32view: Int32Array;

  constructor(memory?: WasmMemory) {
    this.memory = memory ?? new Wasm.Memory({ initial: 16, maximum: MAX_PAGES });
    this.limit = MAX_PAGES * PAGE;
    this.buffer = this.memory.buffer;
    this.f32view = new Float32Array(this.buffer);
    this.f64view = new Float64Array(this.buffer);
    this.i32view = new Int32Array(this.buffer);
  }

  /** Growing the memory detaches the old ArrayBuffer, so views are re-made when it changed. */
  private refreshViews(): void {
    if (this.buffer === this.memory.buffer) return;
    this.buffer = this.memory.buffer;
    this.f32view = new Float32Array(this.buffer);
    this.f64view = new Float64Array(this.buffer);
    this.i32view = new Int32Array(this.buffer);
  }
  get f32(): Float32Array {
    this.refreshViews();
    return this.f32view;
  }
  get f64(): Float64Array {
    this.refreshViews();
    return this.f64view;
  }
  get i32(): Int32Array {
    this.refreshViews();
    return this.i32view;
  }

  setLimit(bytes: number | null): void {
    this.limit = bytes === null ? MAX_PAGES * PAGE : Math.min(bytes, MAX_PAGES * PAGE);
  }

  /** A new block of `bytes` for one tensor (refs = 1), from the innermost arena if one is open. */
  allocate(bytes: number): Block {
    if (this.liveBytes + bytes > this.limit) {
      throw storagePanic(
        `tensor storage exhausted: allocating ${bytes} bytes would exceed the limit of ${this.limit} bytes ` +
          `(${this.liveBytes} bytes are live; see --max-tensor-memory)`,
      );
    }
    const arena = this.arenas.length > 0 ? this.arenas[this.arenas.length - 1] : null;
    let offset = 0;
    let reserved = 0;
    if (bytes > 0) {
      if (arena) {
        offset = this.bumpArena(arena, bytes);
      } else {
        reserved = sizeClass(bytes);
        offset = this.allocRaw(reserved);
      }
    }
    const block: Block = { offset, bytes, reserved, refs: 1, arena, released: false };
    if (arena) arena.blocks.push(block);
    this.liveBytes += bytes;
    this.liveTensors += 1;
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
    return block;
  }

  /** One more tensor handle (a view) on `block`. */
  retain(block: Block): void {
    block.refs += 1;
    this.liveTensors += 1;
  }

  /** A tensor handle on `block` is dropped; the last one gives the bytes back. */
  release(block: Block): void {
    if (block.released) return;
    block.refs -= 1;
    this.liveTensors -= 1;
    if (block.refs > 0) return;
    block.released = true;
    this.liveBytes -= block.bytes;
    // Arena blocks are reclaimed together when their arena ends.
    if (block.arena === null && block.reserved > 0) this.freeRaw(block.offset, block.reserved);
  }

  beginArena(): void {
    this.arenas.push({ chunks: [], cursor: 0, end: 0, blocks: [] });
  }

  /**
   * Ends the innermost arena: every block in it is released (its handles become dead), and the
   * chunks go back to the allocator. A result to keep must be copied out before this is called.
   */
  endArena(): void {
    const arena = this.arenas.pop();
    if (!arena) throw new Error("endArena without beginArena");
    for (const block of arena.blocks) {
      if (block.released) continue;
      this.liveTensors -= block.refs;
      this.liveBytes -= block.bytes;
      block.refs = 0;
      block.released = true;
    }
    for (const c of arena.chunks) this.freeRaw(c.offset, c.reserved);
  }

  /** Is `block` in the innermost open arena? */
  inCurrentArena(block: Block): boolean {
    return this.arenas.length > 0 && block.arena === this.arenas[this.arenas.length - 1];
  }

  /** Scratch memory for kernels (packing buffers); not counted as tensor bytes. */
  allocScratch(bytes: number): number {
    return this.allocRaw(sizeClass(bytes));
  }
  freeScratch(offset: number, bytes: number): void {
    this.freeRaw(offset, sizeClass(bytes));
  }

  private bumpArena(arena: Arena, bytes: number): number {
    const need = alignUp(bytes, ALIGN);
    if (arena.cursor + need > arena.end) {
      const reserved = sizeClass(Math.max(need, ARENA_CHUNK));
      const offset = this.allocRaw(reserved);
      arena.chunks.push({ offset, reserved });
      arena.cursor = offset;
      arena.end = offset + reserved;
    }
    const offset = arena.cursor;
    arena.cursor += need;
    return offset;
  }

  private allocRaw(reserved: number): number {
    const list = this.freeLists.get(reserved);
    if (list && list.length > 0) return list.pop()!;
    const offset = this.top;
    const end = offset + reserved;
    if (end > this.memory.buffer.byteLength) this.grow(end);
    this.top = end;
    return offset;
  }

  private freeRaw(offset: number, reserved: number): void {
    if (offset + reserved === this.top) {
      this.top = offset;
      return;
    }
    let list = this.freeLists.get(reserved);
    if (!list) this.freeLists.set(reserved, (list = []));
    list.push(offset);
  }

  private grow(end: number): void {
    const have = this.memory.buffer.byteLength / PAGE;
    const need = Math.ceil(end / PAGE);
    if (need > MAX_PAGES) {
      throw storagePanic(`tensor storage exhausted: the WebAssembly memory cannot grow past 4 GiB`);
    }
    // Grow geometrically so a run of allocations does not grow page by page.
    const target = Math.min(MAX_PAGES, Math.max(need, have + Math.ceil(have / 2)));
    try {
      this.memory.grow(target - have);
    } catch {
      try {
        this.memory.grow(need - have);
      } catch {
        throw storagePanic(`tensor storage exhausted: the host refused to grow tensor memory to ${need * PAGE} bytes`);
      }
    }
    this.refreshViews();
  }
}
