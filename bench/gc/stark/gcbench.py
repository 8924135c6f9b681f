# Boehm's GCBench in CPython, the same program as gcbench.stark, for run.mjs.
# Usage: python3 gcbench.py STRETCH_DEPTH LONG_LIVED_DEPTH MAX_DEPTH   (original: 18 16 16)
import sys

STRETCH, LONG_LIVED, MAX = (int(a) for a in sys.argv[1:4]) if len(sys.argv) > 3 else (18, 16, 16)
ARRAY_SIZE = 500000
MIN_DEPTH = 4


class Node:
    __slots__ = ("left", "right", "i", "j")

    def __init__(self, left=None, right=None):
        self.left = left
        self.right = right
        self.i = 0
        self.j = 0


def tree_size(d):
    return (1 << (d + 1)) - 1


def num_iters(d):
    return 2 * tree_size(STRETCH) // tree_size(d)


def populate(depth, node):
    if depth > 0:
        left, right = Node(), Node()
        populate(depth - 1, left)
        populate(depth - 1, right)
        node.left, node.right = left, right


def make_tree(depth):
    if depth <= 0:
        return Node()
    return Node(make_tree(depth - 1), make_tree(depth - 1))


def count(node):
    n = 1
    if node.left is not None:
        n += count(node.left)
    if node.right is not None:
        n += count(node.right)
    return n


def time_construction(depth):
    iters = num_iters(depth)
    built = 0
    for _ in range(iters):
        temp = Node()
        populate(depth, temp)
        built += count(temp)
    for _ in range(iters):
        built += count(make_tree(depth))
    print(f"depth {depth}: {iters} iterations top-down and bottom-up, {built} nodes")


def main():
    stretch = make_tree(STRETCH)
    print(f"stretch tree of depth {STRETCH}: {count(stretch)} nodes")
    del stretch
    long_lived = Node()
    populate(LONG_LIVED, long_lived)
    array = [1.0 / i if i else float("inf") for i in range(ARRAY_SIZE)]
    for d in range(MIN_DEPTH, MAX + 1, 2):
        time_construction(d)
    print(f"long lived tree: {count(long_lived)} nodes, array[1000] = {array[1000]}")


main()
