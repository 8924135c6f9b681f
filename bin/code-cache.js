"use strict";
// A V8 code cache for the modules the `stark` command loads (dist/ and its node_modules).
//
// Compiling ~1.3 MB of JavaScript is a third of STARK's start-up. Node 20 has no
// `module.enableCompileCache`, so this does what it would: each module is compiled through
// `vm.Script` with the code V8 produced for it by an earlier run, and at exit the code of this
// run (including the functions that ran, which V8 compiles lazily) is written back when any
// module had none or had stale code; the file then holds just the modules of that run. One file in the temp dir holds every module's code, keyed
// by path, size, mtime and inode; V8 itself also rejects code made by another Node version or
// with other V8 flags, in which case the module is compiled from source as usual.
// `STARK_NO_CODE_CACHE=1` turns it off. Losing the cache (or failing to write it) only costs speed.

const Module = require("node:module");
const vm = require("node:vm");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.join(__dirname, "..") + path.sep;
const uid = typeof process.getuid === "function" ? process.getuid() : "u";
// V8 rejects code cached under other flags, so each set of node flags gets its own file
// (`node --stack-size=.. bin/stark.js` and plain runs do not overwrite each other's cache).
const fnv = (text) => [...text].reduce((h, c) => (Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0), 0x811c9dc5).toString(16);
const flags = process.execArgv.length ? "-" + fnv(process.execArgv.join(" ")) : "";
// Each installation gets its own file too: the file holds one run's modules, so two checkouts
// sharing it would overwrite each other's code at every start.
const cacheFile = path.join(os.tmpdir(), `stark-code-cache-${process.version}-${process.arch}-${uid}-${fnv(root)}${flags}.bin`);

/** filename → { key, data: Buffer } read from the cache file. */
function readCache() {
  const entries = new Map();
  try {
    const buf = fs.readFileSync(cacheFile);
    const headerLength = buf.readUInt32LE(0);
    const header = JSON.parse(buf.toString("utf8", 4, 4 + headerLength));
    let offset = 4 + headerLength;
    for (const [filename, key, length] of header) {
      entries.set(filename, { key, data: buf.subarray(offset, offset + length) });
      offset += length;
    }
  } catch {
    /* no cache yet, or an unreadable one: start afresh */
  }
  return entries;
}

function writeCache(entries) {
  const header = [];
  const blobs = [];
  for (const [filename, { key, data }] of entries) {
    header.push([filename, key, data.length]);
    blobs.push(data);
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length, 0);
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([length, json, ...blobs]));
    fs.renameSync(tmp, cacheFile);
  } catch {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* nothing was written */
    }
  }
}

function fileKey(filename) {
  const s = fs.statSync(filename);
  return `${s.size}:${s.mtimeMs}:${s.ino}`;
}

function install() {
  const entries = readCache();
  /** Scripts compiled in this run, to produce code for at exit: filename → { key, script }. */
  const compiled = new Map();
  let stale = false;
  const originalCompile = Module.prototype._compile;

  Module.prototype._compile = function compileWithCache(content, filename) {
    if (!filename.startsWith(root) || !/\.c?js$/.test(filename) || content.startsWith("#!")) {
      return originalCompile.apply(this, arguments);
    }
    let key;
    try {
      key = fileKey(filename);
    } catch {
      return originalCompile.apply(this, arguments);
    }
    const cached = entries.get(filename);
    const script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData: cached && cached.key === key ? cached.data : undefined,
    });
    if (!cached || cached.key !== key || script.cachedDataRejected) {
      if (process.env.STARK_CODE_CACHE_DEBUG) process.stderr.write(`code cache: ${filename} ${!cached ? "missing" : cached.key !== key ? "changed" : "rejected"}\n`);
      stale = true;
    }
    compiled.set(filename, { key, script });

    const mod = this;
    const require = (id) => mod.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(mod.exports, mod.exports, require, mod, filename, path.dirname(filename));
  };

  process.once("exit", () => {
    if (!stale) return;
    // Only the modules this run loaded are written: merging in every module any run ever loaded
    // (tests, the ML library) grew the file to megabytes, and reading it cost every start more
    // than compiling the few modules a later, different run may miss.
    const fresh = new Map();
    for (const [filename, { key, script }] of compiled) {
      try {
        fresh.set(filename, { key, data: script.createCachedData() });
      } catch {
        /* this module is compiled from source next time */
      }
    }
    writeCache(fresh);
  });
}

if (!process.env.STARK_NO_CODE_CACHE) {
  // V8 stamps cached code with a hash of its flags. The tensor runtime turns on Node 20's
  // relaxed-SIMD flag on first use when the host needs it (src/tensor/kernels/load.ts), which
  // would make all code cached at exit stale for the next start; so the flag is settled first.
  require("../dist/src/tensor/kernels/load.js").detectRelaxedSimd();
  install();
}
