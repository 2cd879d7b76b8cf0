/**
 * A count with its noun, singular for exactly one: `countNoun(1, 'delivery', 'deliveries')` → `1 delivery`,
 * `countNoun(3, 'attempt')` → `3 attempts`. Instead of `delivery(ies)`, which reads as a template left unfilled.
 */
export function countNoun(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
