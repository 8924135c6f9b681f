acc = 0
x = 0.0
i = 0
while i < 10000000:
    acc = (acc + i * 3) % 1000003
    x = x + 0.5
    i += 1
print(acc)
print(int(x) if x == int(x) else x)
