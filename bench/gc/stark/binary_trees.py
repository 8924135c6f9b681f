# binary-trees (the Benchmarks Game algorithm) in CPython, for bench/gc/stark/run.mjs.
# Usage: python3 binary_trees.py N
import sys


def bottom_up(d):
    if d == 0:
        return (None, None)
    return (bottom_up(d - 1), bottom_up(d - 1))


def check(t):
    l, r = t
    if l is None:
        return 1
    return 1 + check(l) + check(r)


def main():
    max_depth = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    stretch = max_depth + 1
    print(f"stretch tree of depth {stretch} check: {check(bottom_up(stretch))}")
    long_lived = bottom_up(max_depth)
    for d in range(4, max_depth + 1, 2):
        iterations = 1 << (max_depth - d + 4)
        s = 0
        for _ in range(iterations):
            s += check(bottom_up(d))
        print(f"{iterations} trees of depth {d} check: {s}")
    print(f"long lived tree of depth {max_depth} check: {check(long_lived)}")


main()
