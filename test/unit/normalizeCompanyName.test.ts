import fc from 'fast-check';

import { normalizeCompanyName, sameCompanyName } from '../../src/core/normalizeCompanyName';

describe('normalizeCompanyName', () => {
  it.each([
    ['ACME AB'],
    ['Acme, Inc.'],
    ['acme'],
    ['  Acme  '],
    ['AB Acme'],
    ['Aktiebolaget Acme'],
    ['Acme Aktiebolag (publ)'],
    ['Acme AB (publ)'],
    ['Acme A/S'],
    ['Acme a.s.'],
    ['Acme AS'],
    ['Acme ASA'],
    ['Acme ApS'],
    ['Acme I/S'],
    ['Acme K/S'],
    ['Acme Oy'],
    ['Oy Acme Ab'],
    ['Oyj Acme'],
    ['Acme GmbH'],
    ['Acme Ltd.'],
    ['Acme Co Ltd'],
    ['Acme & Co'],
    ['Acme & Co.'],
    ['Acme HB'],
    ['Acme ehf.'],
    ['Acme LLC'],
    ['Acme Sp. z o.o.'],
    ['Acme sp.z.o.o.'],
    ['Acme Sp z o o'],
    ['Ａｃｍｅ AB'],
  ])('%j is recognised as the company "acme"', (raw) => {
    expect(normalizeCompanyName(raw)).toBe('acme');
  });

  it.each([
    ['Acme  Holding AB (publ)', 'acme holding'],
    ['Acme-Nord AB', 'acme nord'],
    ['AB Volvo', 'volvo'],
    ['Oy Karl Fazer Ab', 'karl fazer'],
    ['Øresund A/S', 'øresund'],
    ['Bras', 'bras'],
    ['Waspzoo AB', 'waspzoo'],
    ['Spzoom AB', 'spzoom'],
    ['İstanbul Lojistik A.Ş.', 'i̇stanbul lojistik a ş'],
    ['Søren Ærø ApS', 'søren ærø'],
  ])('%j keeps the words that say which company it is: %j', (raw, key) => {
    expect(normalizeCompanyName(raw)).toBe(key);
  });

  it('Nordic letters are kept, so "Åkesson AB" and "Akesson AB" are different companies', () => {
    expect(normalizeCompanyName('Åkesson AB')).toBe('åkesson');
    expect(normalizeCompanyName('Akesson AB')).toBe('akesson');
    expect(sameCompanyName('Åkesson AB', 'Akesson AB')).toBe(false);
    expect(sameCompanyName('Mölnlycke AB', 'Molnlycke AB')).toBe(false);
  });

  it.each([
    ['AB', 'ab'],
    ['Oy Ab', 'oy'],
    ['A/S', 'as'],
  ])(
    'a name made only of legal forms (%j) keeps a non-empty key (%j), so it never equals every company',
    (raw, key) => {
      expect(normalizeCompanyName(raw)).toBe(key);
      expect(sameCompanyName(raw, 'Acme AB')).toBe(false);
    },
  );

  it.each([
    ['Johnson & Johnson', 'johnson & johnson'],
    ['Johnson&Johnson', 'johnson & johnson'],
    ['H&M', 'h & m'],
    ['H & M AB', 'h & m'],
  ])('an "&" inside the name is kept: %j is %j', (raw, key) => {
    expect(normalizeCompanyName(raw)).toBe(key);
  });

  it('"Johnson & Johnson" is not the same company as "Johnson"', () => {
    expect(sameCompanyName('Johnson & Johnson', 'Johnson AB')).toBe(false);
  });

  it.each([[''], ['   '], ['!!!'], ['–']])('%j gives the empty key', (raw) => {
    expect(normalizeCompanyName(raw)).toBe('');
  });
});

describe('sameCompanyName', () => {
  it.each([
    ['ACME AB', 'Acme, Inc.'],
    ['AB Acme', 'acme'],
    ['Acme A/S', 'Acme ApS'],
    ['Johnson & Johnson', 'Johnson&Johnson Inc.'],
  ])('%j and %j are the same company', (a, b) => {
    expect(sameCompanyName(a, b)).toBe(true);
  });

  it.each([
    [undefined, 'Acme AB'],
    ['Acme AB', undefined],
    [undefined, undefined],
    ['', ''],
    ['', 'Acme AB'],
    ['!!!', '...'],
    ['Acme AB', 'Acme Nord AB'],
  ])('%j and %j are never the same company', (a, b) => {
    expect(sameCompanyName(a, b)).toBe(false);
  });
});

describe('normalizeCompanyName properties', () => {
  /** Words from real company names and legal forms, glued with the punctuation people type. */
  const companyish = fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'Acme',
          'Åkesson',
          'Nord',
          'AB',
          'ab',
          'Aktiebolaget',
          '(publ)',
          'A/S',
          'a.s.',
          'I/S',
          'ApS',
          'Oy',
          'Ab',
          'GmbH',
          'Ltd.',
          'Inc.',
          'Co',
          '&',
          'Sp.',
          'z',
          'o.o.',
          'o',
          'sp',
          'zoo',
          'İ',
          'ß',
        ),
        fc.constantFrom(' ', '', '-', '.', ',', ', ', ' & ', '/', '_', '  '),
      ),
      { maxLength: 8 },
    )
    .map((parts) => parts.map(([word, glue]) => `${word}${glue}`).join(''));

  /** The Polish "Sp. z o.o." as it is actually typed: every mark between its letters optional. */
  const mark = fc.constantFrom('', '.', ' ', '. ', '-', '_', ' .');
  const polishLegalForm = fc
    .tuple(fc.constantFrom('Sp', 'sp', 'SP'), mark, mark, mark, fc.constantFrom('', '.'))
    .map(([sp, a, b, c, end]) => `${sp}${a}z${b}o${c}o${end}`);

  const anyName = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme' }),
    companyish,
    polishLegalForm.map((form) => `Acme ${form}`),
    fc.tuple(companyish, polishLegalForm, companyish).map((parts) => parts.join(' ')),
  );

  it('however the Polish "Sp. z o.o." is punctuated, it is folded away like any legal form', () => {
    fc.assert(
      fc.property(polishLegalForm, (form) => {
        expect(normalizeCompanyName(`Acme ${form}`)).toBe('acme');
      }),
    );
  });

  it('the key of a key is the key itself, so stored keys and fresh keys always compare equal', () => {
    fc.assert(
      fc.property(anyName, (raw) => {
        const key = normalizeCompanyName(raw);
        expect(normalizeCompanyName(key)).toBe(key);
      }),
      { numRuns: 3000 },
    );
  });

  it('a key is lower-case, trimmed and has single spaces', () => {
    fc.assert(
      fc.property(anyName, (raw) => {
        const key = normalizeCompanyName(raw);
        expect(key).toBe(key.toLowerCase());
        expect(key).toBe(key.trim());
        expect(key).not.toMatch(/\s{2}/u);
      }),
      { numRuns: 1000 },
    );
  });

  it('any text, however odd, gives a key and a comparison without throwing', () => {
    fc.assert(
      fc.property(anyName, fc.option(anyName, { nil: undefined }), (a, b) => {
        expect(typeof normalizeCompanyName(a)).toBe('string');
        expect(typeof sameCompanyName(a, b)).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('a name is always the same company as itself, unless it has no key at all', () => {
    fc.assert(
      fc.property(anyName, (raw) => {
        expect(sameCompanyName(raw, raw)).toBe(normalizeCompanyName(raw) !== '');
      }),
      { numRuns: 1000 },
    );
  });
});
