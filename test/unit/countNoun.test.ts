import { countNoun } from '../../src/core/countNoun';

describe('countNoun: a count reads as words, never "delivery(ies)"', () => {
  it.each([
    [0, 'delivery', 'deliveries', '0 deliveries'],
    [1, 'delivery', 'deliveries', '1 delivery'],
    [2, 'delivery', 'deliveries', '2 deliveries'],
    [1, 'attempt', undefined, '1 attempt'],
    [3, 'attempt', undefined, '3 attempts'],
  ])('%i %s', (count, singular, plural, expected) => {
    expect(countNoun(count, singular, plural)).toBe(expected);
  });
});
