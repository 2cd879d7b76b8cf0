/** Per-operation latency percentiles of a synchronous function, after a warm-up. */
export interface Measurement {
  name: string;
  iterations: number;
  opsPerSecond: number;
  p50Micros: number;
  p95Micros: number;
  p99Micros: number;
  maxMicros: number;
}

export function measure(name: string, operation: (i: number) => unknown, iterations: number): Measurement {
  for (let i = 0; i < Math.min(iterations, 1000); i += 1) operation(i);
  const samples = new Float64Array(iterations);
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1) {
    const t0 = process.hrtime.bigint();
    operation(i);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  samples.sort();
  const at = (q: number) => samples[Math.min(iterations - 1, Math.floor(q * iterations))] ?? Number.NaN;
  return {
    name,
    iterations,
    opsPerSecond: Math.round(iterations / totalSeconds),
    p50Micros: round(at(0.5)),
    p95Micros: round(at(0.95)),
    p99Micros: round(at(0.99)),
    maxMicros: round(samples[iterations - 1] ?? Number.NaN),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

export function printTable(rows: readonly Measurement[]): void {
  console.table(
    rows.map(({ name, iterations, opsPerSecond, p50Micros, p95Micros, p99Micros, maxMicros }) => ({
      operation: name,
      iterations,
      'ops/s': opsPerSecond,
      'p50 µs': p50Micros,
      'p95 µs': p95Micros,
      'p99 µs': p99Micros,
      'max µs': maxMicros,
    })),
  );
}
