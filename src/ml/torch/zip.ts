// The zip container of PyTorch's `.pt` format. torch.save writes an uncompressed zip whose
// entries live under one folder (`archive/data.pkl`, `archive/data/0`, ...) and whose file data
// is aligned to 64 bytes by padding the local headers' extra field; we read stored and deflated
// entries (Node's zlib inflates) and write stored ones with the same alignment.

import * as zlib from "zlib";
import { formatError } from "./errors";

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const END_SIG = 0x06054b50;
/** torch aligns every entry's data to this many bytes (so storages can be memory-mapped). */
const ALIGN = 64;

/** Reads every entry of a zip file held in memory; a malformed archive is P0501. */
export function readZip(buf: Uint8Array, file: string): Map<string, Uint8Array> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const bad = (why: string) => formatError(file, `not a PyTorch zip archive (${why})`);
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
  let end = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === END_SIG) {
      end = i;
      break;
    }
  }
  if (end < 0) throw bad("no end-of-central-directory record; legacy pre-1.6 .pt files are not supported");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  if (count === 0xffff || at === 0xffffffff) throw bad("zip64 archives over 4 GiB are not supported");
  const entries = new Map<string, Uint8Array>();
  for (let k = 0; k < count; k++) {
    if (at + 46 > buf.length || view.getUint32(at, true) !== CENTRAL_SIG) throw bad("corrupt central directory");
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const compressed = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = Buffer.from(buf.subarray(at + 46, at + 46 + nameLen)).toString("utf8");
    at += 46 + nameLen + extraLen + commentLen;
    if (local + 30 > buf.length || view.getUint32(local, true) !== LOCAL_SIG) throw bad(`corrupt entry ${name}`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + compressed > buf.length) throw bad(`entry ${name} runs past the end of the file`);
    const raw = buf.subarray(start, start + compressed);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        data = zlib.inflateRawSync(raw);
      } catch {
        throw bad(`entry ${name} does not inflate`);
      }
    } else throw bad(`entry ${name} uses compression method ${method}; only stored and deflate are supported`);
    if (data.length !== size) throw bad(`entry ${name} has ${data.length} bytes, expected ${size}`);
    if (crc32(data) !== crc) throw bad(`entry ${name} is corrupt (CRC mismatch)`);
    entries.set(name, data);
  }
  return entries;
}

/** A zip of stored entries, data aligned to 64 bytes as torch writes it. */
export function writeZip(entries: ZipEntry[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const crc = crc32(e.data);
    const headerLen = 30 + name.length;
    // Pad with an extra field (id "FB", as torch does) so that the data starts aligned.
    const pad = (ALIGN - ((offset + headerLen + 4) % ALIGN)) % ALIGN;
    const extraLen = 4 + pad;
    const local = new Uint8Array(headerLen + extraLen);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, LOCAL_SIG, true);
    lv.setUint16(4, 20, true); // version needed
    lv.setUint16(8, 0, true); // stored
    lv.setUint32(14, crc, true);
    lv.setUint32(18, e.data.length, true);
    lv.setUint32(22, e.data.length, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, extraLen, true);
    local.set(name, 30);
    lv.setUint16(headerLen, 0x4246, true); // "FB"
    lv.setUint16(headerLen + 2, pad, true);
    chunks.push(local, e.data);

    const c = new Uint8Array(46 + name.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, CENTRAL_SIG, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, e.data.length, true);
    cv.setUint32(24, e.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    c.set(name, 46);
    central.push(c);
    offset += local.length + e.data.length;
  }
  const centralSize = central.reduce((n, c) => n + c.length, 0);
  const endRec = new Uint8Array(22);
  const ev = new DataView(endRec.buffer);
  ev.setUint32(0, END_SIG, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  return Buffer.concat([...chunks, ...central, endRec]);
}

let crcTable: Uint32Array | null = null;

export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
