// The slice of the WebAssembly JS API the tensor runtime uses. The project compiles with
// lib ES2022 only (no DOM typings), so it is typed here, module-scoped, rather than as a global
// declaration that could clash with another folder's.

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmApi {
  Memory: new (desc: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
