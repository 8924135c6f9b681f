words = ["tensor", "borrow", "owner", "arena", "nursery", "promote", "sweep", "mark"]
counts = {}
total_len = 0
for i in range(200000):
    w = words[i % 8]
    key = f"{w}-{i % 1000}"
    total_len += len(key)
    c = counts.get(key, 0)
    counts[key] = c + 1
print(len(counts))
print(total_len)
s = ""
for i in range(20000):
    s += words[i % 8]
print(len(s))
