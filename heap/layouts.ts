// Layouts: what each slot of an object holds, so that collection is precise. The collector
// never guesses whether a number is a pointer; it asks the layout.

import { ArrayLayoutSpec, LayoutSpec, SlotKind } from "./api";
import { Header } from "./header";

export const enum LayoutKind {
  Fixed = 0,
  /** Variable-length array of scalars / pointers / tensor handles. */
  ScalarArray = 1,
  PointerArray = 2,
  TensorArray = 3,
  /** UTF-8 bytes, packed eight to a word. */
  Bytes = 4,
}

export interface Layout {
  readonly id: number;
  readonly name: string;
  readonly kind: LayoutKind;
  /** Slot count of a fixed layout; -1 for arrays. */
  readonly slots: number;
  readonly slotKinds: readonly SlotKind[];
  /** Indices of Pointer slots of a fixed layout. */
  readonly pointerSlots: Int32Array;
  /** Indices of Tensor slots of a fixed layout. */
  readonly tensorSlots: Int32Array;
  /** Whether an object of this layout can hold a pointer / a tensor handle at all. */
  readonly hasPointers: boolean;
  readonly hasTensors: boolean;
}

export class LayoutTable {
  readonly all: Layout[] = [];
  /**
   * Slot count per layout id, -1 for arrays and for ids not defined (so `alloc` of a bad id
   * falls to the slow path, which reports it): read on the allocation fast path.
   */
  fixedSlots = new Int32Array(64).fill(-1);
  // Flat tables indexed by layout id, for the collectors' inner loops (no object per lookup).
  // They are replaced when they grow, so a loop may cache them only while no layout is defined.
  /** LayoutKind per id. */
  kinds = new Int32Array(64);
  /** 1 when objects of the layout can hold tensor handles (they go on a finalization list). */
  holdsTensors = new Int32Array(64);
  /** The pointer slots of fixed layout `id` are `ptrMap[ptrStart[id] .. ptrStart[id + 1])`. */
  ptrStart = new Int32Array(65);
  ptrMap = new Int32Array(64);

  defineFixed(spec: LayoutSpec): number {
    const pointerSlots: number[] = [];
    const tensorSlots: number[] = [];
    spec.slots.forEach((k, i) => {
      if (k === SlotKind.Pointer) pointerSlots.push(i);
      else if (k === SlotKind.Tensor) tensorSlots.push(i);
    });
    return this.add({
      id: this.all.length,
      name: spec.name,
      kind: LayoutKind.Fixed,
      slots: spec.slots.length,
      slotKinds: [...spec.slots],
      pointerSlots: Int32Array.from(pointerSlots),
      tensorSlots: Int32Array.from(tensorSlots),
      hasPointers: pointerSlots.length > 0,
      hasTensors: tensorSlots.length > 0,
    });
  }

  defineArray(spec: ArrayLayoutSpec): number {
    const kind =
      spec.element === "byte"
        ? LayoutKind.Bytes
        : spec.element === SlotKind.Pointer
          ? LayoutKind.PointerArray
          : spec.element === SlotKind.Tensor
            ? LayoutKind.TensorArray
            : LayoutKind.ScalarArray;
    return this.add({
      id: this.all.length,
      name: spec.name,
      kind,
      slots: -1,
      slotKinds: [],
      pointerSlots: new Int32Array(0),
      tensorSlots: new Int32Array(0),
      hasPointers: kind === LayoutKind.PointerArray,
      hasTensors: kind === LayoutKind.TensorArray,
    });
  }

  private add(layout: Layout): number {
    const id = layout.id;
    if (id > Header.LAYOUT_MASK) throw new RangeError(`heap: more than ${Header.LAYOUT_MASK} layouts`);
    this.all.push(layout);
    if (id >= this.fixedSlots.length) {
      this.fixedSlots = grown(this.fixedSlots, this.fixedSlots.length * 2, -1);
      this.kinds = grown(this.kinds, this.kinds.length * 2, 0);
      this.holdsTensors = grown(this.holdsTensors, this.kinds.length, 0);
      this.ptrStart = grown(this.ptrStart, this.kinds.length + 1, 0);
    }
    this.fixedSlots[id] = layout.slots;
    this.kinds[id] = layout.kind;
    this.holdsTensors[id] = layout.hasTensors ? 1 : 0;
    // Layouts are only ever appended: this one's pointer map goes at the end of ptrMap.
    const start = this.ptrStart[id];
    const end = start + layout.pointerSlots.length;
    if (end > this.ptrMap.length) this.ptrMap = grown(this.ptrMap, Math.max(end, this.ptrMap.length * 2), 0);
    this.ptrMap.set(layout.pointerSlots, start);
    this.ptrStart[id + 1] = end;
    return id;
  }

  isValid(id: number): boolean {
    return id >= 0 && id < this.all.length;
  }

  /** Words an object of this layout and length occupies, header included. */
  objectWords(id: number, length: number): number {
    const l = this.all[id];
    if (l.kind === LayoutKind.Fixed) return Header.WORDS + l.slots;
    if (l.kind === LayoutKind.Bytes) return Header.WORDS + ((length + 7) >>> 3);
    return Header.WORDS + length;
  }
}

/** A copy of `a` with room for `length` entries, the new ones set to `fill`. */
function grown(a: Int32Array, length: number, fill: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(length).fill(fill);
  next.set(a);
  return next;
}
