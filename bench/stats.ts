/** Small statistics helpers for the benchmarks (they print ratios, never bare pass/fail times). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index]!
}

export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

export function fmt(ms: number, digits = 3): string {
  return `${ms.toFixed(digits)} ms`
}

/** Interleaves runs of A and B so drift on a shared, noisy machine hits both alike. */
export async function interleaved(rounds: number, a: () => Promise<number>, b: () => Promise<number>): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] }
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      out.a.push(await a())
      out.b.push(await b())
    } else {
      out.b.push(await b())
      out.a.push(await a())
    }
  }
  return out
}
