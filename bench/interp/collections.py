# std::collections at 100k elements, as Python writes it: a set, a dict walked in sorted key
# order, heapq (a min-heap, as BinaryHeap<Reverse<u64>>), a deque window.
import heapq
from collections import deque


def main():
    n = 100000
    seed = 1
    keys = []
    for _ in range(n):
        seed = (seed * 1103515245 + 12345) % 2147483648
        keys.append(seed % 1000000)

    seen = set()
    for k in keys:
        seen.add(k)
    hits = 0
    for k in keys:
        if k + 1 in seen:
            hits += 1
    print(f"set {len(seen)} {hits}")

    counts = {}
    for k in keys:
        counts[k % 5000] = counts.get(k % 5000, 0) + 1
    checksum = 0
    for k in sorted(counts):
        checksum = (checksum * 31 + k * counts[k]) % 1000000007
    print(f"map {len(counts)} {checksum}")

    heap = []
    for k in keys:
        heapq.heappush(heap, k)
    last = 0
    ordered = True
    total = 0
    while heap:
        x = heapq.heappop(heap)
        if x < last:
            ordered = False
        last = x
        total += x % 7
    print(f"heap {'true' if ordered else 'false'} {total}")

    window = deque()
    for k in keys:
        window.append(k)
        if len(window) > 1000:
            window.popleft()
    print(f"deque {len(window)} {sum(window)}")


main()
