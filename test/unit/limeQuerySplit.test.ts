import fc from 'fast-check';
import { LimeHttp, MAX_REQUEST_LINE } from '../../src/lime-addon/limeHttp';
import type { LimeFilter, LimeQuery } from '../../src/lime-addon/limeQuery';
import { LimeServerTraits, PAGE_SIZE } from '../../src/lime-addon/limeServerTraits';
import { splitQuery, type ListQuery } from '../../src/lime-addon/queryObjects';

// No request is sent: LimeHttp only measures request lines here.
const http = new LimeHttp({ baseUrl: 'https://lime.example.com/Lime CRM', apiKey: 'k' });
afterAll(() => http.close());

/** The line a page of `document` is sent with (the largest offset splitQuery leaves room for). */
function lineOf(document: LimeQuery): number {
  return http.requestLineLength('GET', 'query/', {
    q: JSON.stringify({ ...document, limit: PAGE_SIZE, offset: 9_999_999 }),
  });
}

/** The values of `key` across a document's IN conditions. */
function valuesOf(filter: LimeFilter | undefined, key: string): Array<string | number> {
  if (filter === undefined) return [];
  if ('key' in filter) return filter.key === key && filter.op === 'IN' ? [...filter.exp] : [];
  return filter.exp.flatMap((each) => valuesOf(each, key));
}

function candidates(emails: string[], forms: string[], where?: LimeFilter): ListQuery {
  return {
    limetype: 'person',
    responseFormat: { object: { _id: null, _timestamp: null, email: null, company: { _id: null, name: null } } },
    ...(where === undefined ? {} : { where }),
    anyOf: [
      { keys: ['email'], values: emails },
      { keys: ['mobilephone', 'phone'], values: forms },
    ],
  };
}

describe('splitting a Query API document over request lines', () => {
  it('every part fits in 2,000 characters and every value goes to exactly one part, for any lists', () => {
    const value = fc.string({ minLength: 1, maxLength: 120, unit: 'grapheme' });
    fc.assert(
      fc.property(
        fc.uniqueArray(value, { maxLength: 60 }),
        fc.uniqueArray(value, { maxLength: 200 }),
        (emails, forms) => {
          const parts = splitQuery(http, candidates(emails, forms, { key: 'inactive', op: '=', exp: false }));
          for (const part of parts) expect(lineOf(part)).toBeLessThanOrEqual(MAX_REQUEST_LINE);
          const sent = parts.flatMap((part) => valuesOf(part.filter, 'email'));
          expect(sent.sort()).toEqual([...emails].sort());
          for (const part of parts) {
            expect(valuesOf(part.filter, 'mobilephone')).toEqual(valuesOf(part.filter, 'phone'));
          }
          expect(parts.flatMap((part) => valuesOf(part.filter, 'phone')).sort()).toEqual([...forms].sort());
          expect(parts.every((part) => JSON.stringify(part.filter).includes('"inactive"'))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('packs greedily: a part is closed only when the next value would not fit in it', () => {
    const forms = Array.from({ length: 300 }, (_, i) => `070-${String(1_000_000 + i)}`);
    const parts = splitQuery(http, candidates([], forms));
    expect(parts.length).toBeGreaterThan(1);
    parts.slice(0, -1).forEach((part, index) => {
      const next = valuesOf(parts[index + 1]?.filter, 'phone')[0] as string;
      const grown = splitQuery(http, candidates([], [...valuesOf(part.filter, 'phone').map(String), next]));
      expect(grown.length).toBe(2);
    });
  });

  it('lists without values select nothing: no request at all', () => {
    expect(splitQuery(http, candidates([], []))).toEqual([]);
  });

  it('one value too long for any request line is a bad_request that says so, without the value', () => {
    const long = `${'a'.repeat(2_000)}@acme.se`;
    expect(() => splitQuery(http, candidates(['short@acme.se', long], []))).toThrow(
      expect.objectContaining({ code: 'bad_request', message: expect.not.stringContaining('aaaa') }),
    );
  });
});

describe('what a Lime server shows about its pages', () => {
  it('a fresh connection asks 200 and confirms a short page; a confirmed length ends later reads at once', () => {
    const traits = new LimeServerTraits();
    expect(traits.pageSize).toBe(200);
    expect(traits.shortPageEnds(4)).toBe(false);
    traits.confirmedWhole(4);
    expect(traits.shortPageEnds(4)).toBe(true);
    expect(traits.shortPageEnds(5)).toBe(false);
    traits.served(200, 200);
    expect(traits.shortPageEnds(199)).toBe(true);
  });

  it('a server seen to cut a page at 100 is asked pages of 100, and a shorter page ends a read', () => {
    const traits = new LimeServerTraits();
    traits.cutAt(100);
    expect(traits.pageSize).toBe(100);
    expect(traits.cap).toBe(100);
    expect(traits.shortPageEnds(99)).toBe(true);
  });
});
