# binary-trees (the Benchmarks Game algorithm) in CPython, single process: the baseline the
# issue compares STARK against.  python3 bench/gc/binary_trees.py [depth=16]
import json
import sys
import time


def bottom_up(d):
    return (bottom_up(d - 1), bottom_up(d - 1)) if d > 0 else (None, None)


def check(t):
    left, right = t
    return 1 if left is None else 1 + check(left) + check(right)


def main(depth):
    t0 = time.perf_counter()
    c0 = time.process_time()
    max_depth = max(6, depth)
    print(f"stretch tree of depth {max_depth + 1}\t check: {check(bottom_up(max_depth + 1))}", file=sys.stderr)
    long_lived = bottom_up(max_depth)
    for d in range(4, max_depth + 1, 2):
        iterations = 1 << (max_depth - d + 4)
        total = sum(check(bottom_up(d)) for _ in range(iterations))
        print(f"{iterations}\t trees of depth {d}\t check: {total}", file=sys.stderr)
    print(f"long lived tree of depth {max_depth}\t check: {check(long_lived)}", file=sys.stderr)
    wall = (time.perf_counter() - t0) * 1000
    cpu = (time.process_time() - c0) * 1000
    print(json.dumps({"program": "binary-trees (CPython)", "depth": depth, "wallMs": wall, "cpuMs": cpu}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 16)
