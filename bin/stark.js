#!/bin/sh
':' //; s=$0; [ -L "$s" ] && s=$(readlink -f "$s" 2>/dev/null); case $s in */*) ;; *) s=./$s ;; esac
':' //; d=${s%/*}/../dist/snapshot; n=; IFS=:; for p in $PATH; do [ -f "${p:-.}/node" ] && [ -x "${p:-.}/node" ] && n=${p:-.}/node && break; done; unset IFS
':' //; u=; [ -f "$d/cli.blob" ] && [ -z "$NODE_OPTIONS$STARK_NO_SNAPSHOT" ] && [ "$n" -ef "$d/node" ] && ! [ "$n" -nt "$d/node.stamp" ] && ! [ "$n" -ot "$d/node.stamp" ] && u=1
':' //; [ "$u" ] && [ -f "$d/cpu" ] && { b=; { read -r b </proc/sys/kernel/random/boot_id; } 2>/dev/null; [ "$b" ] && [ -f "$d/cpu-ok-$b" ] || { grep -qxF -f "$d/cpu" /proc/cpuinfo 2>/dev/null && { [ -z "$b" ] || { : >"$d/cpu-ok-$b"; } 2>/dev/null; true; }; } || u=; }
':' //; unset NODE_EXTRA_CA_CERTS; [ "$u" ] && { ulimit -s 8192; } 2>/dev/null && { read -r f <"$d/flags"; } 2>/dev/null && { [ "${GLIBC_TUNABLES+x}" ] || export GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432; exec "$n" $f --snapshot-blob "$d/cli.blob" -- "$@"; }
':' //; exec node "$0" "$@"
"use strict";
// Entry point of the `stark` command, both a shell script and JavaScript.
//
// As a shell script (how `stark` and `npx stark` run it, by its first line) it starts node from
// the V8 start-up snapshot `npm run build` made (scripts/snapshot/): the CLI's modules already
// loaded and the prelude already read. Node refuses a snapshot made by another node binary, with
// other V8 flags or on a CPU with other features, and exits; so the snapshot is used only when
// the node on the PATH is the binary that built it (same file and mtime as dist/snapshot/node
// and node.stamp), NODE_OPTIONS is empty and the CPU's feature flags are those of the build
// (dist/snapshot/cpu; a match is remembered per boot in dist/snapshot/cpu-ok-BOOTID, to spare
// a grep at every start). Node is started with the V8 flags the blob was built with
// (dist/snapshot/flags, one line). Otherwise, or with STARK_NO_SNAPSHOT set, node runs this file. The
// snapshot itself starts this file's way when dist/ changed since it was built. The shell
// lines run no other program, but readlink for a symlinked launcher and grep once per boot.
//
// Both execs drop NODE_EXTRA_CA_CERTS: Node 20 parses that certificate file before running any
// code (≈ 35 ms of CPU for a system bundle of 140 certificates, more than the rest of a start),
// and only TLS reads it, which STARK never uses.
//
// Before that exec the main thread's stack limit is set to 8 MB (`ulimit -s`; if the hard limit
// is lower, the snapshot is not used): the blob's flags give V8 a 3.9 MB stack for deep
// recursion, which must stay inside the real one.
//
// The snapshot's exec also asks glibc's malloc for transparent huge pages (GLIBC_TUNABLES,
// unless the variable is set already; other C libraries ignore it): node reads the 4 MB blob
// into a zeroed buffer and copies most of it once more, and each 4 KB page of those costs a page
// fault. Blocks under 32 MB come from the heap, whose growth glibc then aligns to 2 MB pages
// (a block of their own, mmap'd, would be aligned to 4 KB and get at most one): 5,760 → 3,150
// faults and ≈ 7 ms less CPU per start.
//
// As JavaScript (`node bin/stark.js`; the shell lines above are string statements and comments)
// it loads the CLI from dist/ with the V8 code cache.
require("./code-cache");
require("../dist/src/cli/main.js").main(process.argv.slice(2));
