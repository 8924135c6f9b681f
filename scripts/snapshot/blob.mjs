// Node's start-up snapshot file, as `node --build-snapshot` writes it (Node 20,
// SnapshotData::ToBlob in src/node_snapshotable.cc): a header, the V8 snapshot, Node's own
// isolate and environment data, and last a list of code caches for Node's built-in JavaScript
// modules: u64 count, then per module u64 length + id, u64 length + cache bytes.
//
// That list is 2.7 MB of a 7 MB blob, and Node reads all of it at every start (a zeroed
// buffer, then copies of each cache) before any code runs. It only serves built-in modules
// compiled after the start, and the modules a STARK run needs are already evaluated in the
// snapshot; the few loaded later (zlib for the ML library, for example) compile from their
// source as they would without a cache. So the build leaves the list empty.

import { readFileSync, writeFileSync } from "node:fs";

/** A built-in module's id: "fs", "internal/bootstrap/realm"... */
const MODULE_ID = /^[a-z0-9_/.-]+$/i;

/**
 * Where the code-cache list starts, or -1: the offset from which that layout reads exactly to
 * the end of the file. Anything else (another Node's layout) is not touched.
 */
export function codeCacheOffset(blob) {
  const end = blob.length;
  for (let at = 0; at + 16 <= end; at++) {
    // A small count and a short first id (their high halves zero): a cheap filter before parsing.
    const count = blob.readUInt32LE(at);
    if (count === 0 || count > 10_000 || blob.readUInt32LE(at + 4) !== 0 || blob.readUInt32LE(at + 12) !== 0) continue;
    if (readsToEnd(blob, at)) return at;
  }
  return -1;
}

function readsToEnd(blob, at) {
  const end = blob.length;
  const count = blob.readUInt32LE(at);
  let p = at + 8;
  for (let i = 0; i < count; i++) {
    if (p + 8 > end) return false;
    const idLength = Number(blob.readBigUInt64LE(p));
    p += 8;
    if (idLength < 1 || idLength > 200 || p + idLength > end || !MODULE_ID.test(blob.toString("latin1", p, p + idLength))) return false;
    p += idLength;
    if (p + 8 > end) return false;
    const dataLength = blob.readBigUInt64LE(p);
    p += 8;
    if (dataLength > BigInt(end - p)) return false;
    p += Number(dataLength);
  }
  return p === end;
}

/** Rewrites the blob at `path` with an empty code-cache list; returns the bytes saved (0 if its layout is not the one above). */
export function dropBuiltinCodeCache(path) {
  const blob = readFileSync(path);
  const at = codeCacheOffset(blob);
  if (at < 0) return 0;
  writeFileSync(path, Buffer.concat([blob.subarray(0, at), Buffer.alloc(8)]));
  return blob.length - at - 8;
}
