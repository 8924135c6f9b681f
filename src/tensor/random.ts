// Seeded random numbers, the way PyTorch's CPU generator makes them: a 32-bit Mersenne Twister
// (mt19937) seeded by `manual_seed`. `rand` uses the same bit recipe as ATen's uniform_real, so
// `torch::manual_seed(0); Tensor::rand([3])` gives PyTorch's 0.4963, 0.7682, 0.0885; `randn`
// uses ATen's Box–Muller layout (blocks of 16 for tensors of 16+ elements).

export const DEFAULT_SEED = 0;

export class MersenneTwister {
  private mt = new Uint32Array(624);
  private idx = 625;

  constructor(seed = DEFAULT_SEED) {
    this.seed(seed);
  }

  seed(seed: number): void {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, in 32-bit arithmetic.
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.idx = 624;
    this.cachedNormal = null;
  }

  nextU32(): number {
    const mt = this.mt;
    if (this.idx >= 624) {
      for (let i = 0; i < 624; i++) {
        const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
        mt[i] = mt[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.idx = 0;
    }
    let y = mt[this.idx++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** ATen's random64(): two draws, the first is the high word. */
  private nextU64Parts(): [number, number] {
    const hi = this.nextU32();
    const lo = this.nextU32();
    return [hi, lo];
  }

  /** ATen's Box–Muller makes two normals per pair of draws and caches the second. */
  cachedNormal: number | null = null;

  /** Uniform [0, 1) with 24 random bits (f32) or 53 (f64), as ATen's uniform_real does. */
  uniform(double: boolean): number {
    if (!double) return (this.nextU32() & 0xffffff) / 0x1000000;
    const [hi, lo] = this.nextU64Parts();
    // (val & (2^53 - 1)) / 2^53
    return ((hi & 0x1fffff) * 0x100000000 + lo) / 2 ** 53;
  }
}

/** Fills `out` with standard normal samples (ATen's normal_fill for 16+ elements). */
export function fillNormal(gen: MersenneTwister, out: Float64Array, double: boolean): void {
  const n = out.length;
  if (n >= 16) {
    for (let i = 0; i < n; i++) out[i] = gen.uniform(double);
    for (let i = 0; i + 16 <= n; i += 16) boxMuller16(out, i, double);
    if (n % 16 !== 0) {
      // ATen recomputes the last 16 values from fresh draws.
      for (let i = n - 16; i < n; i++) out[i] = gen.uniform(double);
      boxMuller16(out, n - 16, double);
    }
    return;
  }
  // Small tensors: ATen's scalar normal_distribution<double> (two 53-bit draws per sample).
  for (let i = 0; i < n; i++) {
    if (gen.cachedNormal !== null) {
      out[i] = gen.cachedNormal;
      gen.cachedNormal = null;
      continue;
    }
    const u1 = gen.uniform(true);
    const u2 = gen.uniform(true);
    const r = Math.sqrt(-2 * Math.log(1 - u2));
    const theta = 2 * Math.PI * u1;
    gen.cachedNormal = r * Math.sin(theta);
    out[i] = r * Math.cos(theta);
  }
}

function boxMuller16(d: Float64Array, at: number, double: boolean): void {
  const round = double ? (x: number) => x : Math.fround;
  for (let j = 0; j < 8; j++) {
    const u1 = round(1 - d[at + j]);
    const u2 = d[at + j + 8];
    const radius = round(Math.sqrt(round(-2 * round(Math.log(u1)))));
    const theta = round(2 * Math.PI * u2);
    d[at + j] = round(radius * round(Math.cos(theta)));
    d[at + j + 8] = round(radius * round(Math.sin(theta)));
  }
}
