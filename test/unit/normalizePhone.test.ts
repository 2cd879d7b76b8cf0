import fc from 'fast-check';

import { isSupportedRegion, normalizePhone, toE164, type NormalizedPhone } from '../../src/core/normalizePhone';

const SWEDISH_MOBILE = '+46701234567';
const STOCKHOLM_LINE = '+46812345678';

/** Regions a deployment might configure, valid or not: a bad one must never turn a lookup into a crash. */
const REGIONS = ['SE', 'NO', 'DK', 'FI', 'DE', 'GB', 'US', 'se', 'no', 'XX', 'ZZ', '', '001', 'SWE', 'S'] as const;

describe('normalizePhone', () => {
  describe('Swedish numbers as people write them (spec Part C.1)', () => {
    it.each([
      ['070-123 45 67'],
      ['0701234567'],
      ['070 - 123 45 67'],
      ['70 123 45 67'],
      ['(0)70 1234567'],
      ['+46 70 123 45 67'],
      ['+46 (0)70 123 45 67'],
      ['0046 70 123 45 67'],
      ['0046701234567'],
      ['46701234567'],
    ])('"%s" is read as the Swedish mobile +46701234567', (raw) => {
      expect(normalizePhone(raw, 'SE')).toEqual({ kind: 'valid', e164: SWEDISH_MOBILE, region: 'SE', type: 'mobile' });
    });

    it.each([['08-123 456 78'], ['+46 8 123 456 78'], ['08/12345678']])(
      '"%s" is read as the Stockholm line +46812345678, not as a mobile',
      (raw) => {
        expect(normalizePhone(raw, 'SE')).toEqual({
          kind: 'valid',
          e164: STOCKHOLM_LINE,
          region: 'SE',
          type: 'fixed_or_other',
        });
      },
    );

    it.each([
      ['020-12 34 56', '+4620123456'],
      ['0771-123 456', '+46771123456'],
    ])('the service number "%s" is valid as %s but never counted as a mobile', (raw, e164) => {
      expect(normalizePhone(raw, 'SE')).toEqual({ kind: 'valid', e164, region: 'SE', type: 'fixed_or_other' });
    });
  });

  describe('extensions', () => {
    it.each([
      ['08-123 456 78 ankn. 123', STOCKHOLM_LINE, '123'],
      ['08-123 456 78 ankn 123', STOCKHOLM_LINE, '123'],
      ['08-123 456 78 anknytning 123', STOCKHOLM_LINE, '123'],
      ['08-123 456 78 anknytn. 123', STOCKHOLM_LINE, '123'],
      ['08-123 456 78 vx 123', STOCKHOLM_LINE, '123'],
      ['08-123 456 78 växel 123', STOCKHOLM_LINE, '123'],
      ['08-123 456 78 lokal 123', STOCKHOLM_LINE, '123'],
      ['08-123 456 78 ext 123', STOCKHOLM_LINE, '123'],
      ['08-123 456 78 ext.: 123', STOCKHOLM_LINE, '123'],
      ['08-123 456 78 x 123', STOCKHOLM_LINE, '123'],
      ['08-123 456 78 #123', STOCKHOLM_LINE, '123'],
      ['08-123 456 00 / 123', '+46812345600', '123'],
      ['070-123 45 67 / 123', SWEDISH_MOBILE, '123'],
      ['08-123 456 78 ankn. 123456', STOCKHOLM_LINE, '123456'],
      ['4741234567 ext 123', '+4741234567', '123'],
      ['4741234567 x 123', '+4741234567', '123'],
    ])('"%s" is matched on %s with extension %s kept apart', (raw, e164, extension) => {
      expect(normalizePhone(raw, 'SE')).toMatchObject({ kind: 'valid', e164, extension });
    });

    it('the E.164 form that matching compares never contains the extension', () => {
      expect(toE164('08-123 456 78 ankn. 123', 'SE')).toBe(STOCKHOLM_LINE);
      expect(toE164('08-123 456 00 / 123', 'SE')).toBe('+46812345600');
    });

    it('an extension typed in full-width digits is read like ASCII digits', () => {
      expect(normalizePhone('08-123 456 78 ankn. １２３', 'SE')).toMatchObject({
        kind: 'valid',
        e164: STOCKHOLM_LINE,
        extension: '123',
      });
    });

    it('an unspaced "08/123456" is an area code and number, not a number with an extension', () => {
      const result = normalizePhone('08/123456', 'SE');
      expect(result).toEqual({ kind: 'valid', e164: '+468123456', region: 'SE', type: 'fixed_or_other' });
      expect(result).not.toHaveProperty('extension');
    });

    it.each([['08-123 456 00 vx'], ['08-123 456 00 växel'], ['08-123 456 00 (vx)'], ['08-123 456 00 vx.']])(
      'a trailing switchboard label without digits ("%s") is dropped and no extension is invented',
      (raw) => {
        const result = normalizePhone(raw, 'SE');
        expect(result).toEqual({ kind: 'valid', e164: '+46812345600', region: 'SE', type: 'fixed_or_other' });
      },
    );

    it('an extension with no number before it is reported invalid, not read as a phone number', () => {
      expect(normalizePhone('ankn 123', 'SE')).toEqual({ kind: 'invalid', reason: 'not_a_valid_number' });
    });
  });

  describe('labels typed into CRM phone fields', () => {
    it.each([
      ['mobil 0701234567', SWEDISH_MOBILE],
      ['Mobil: 070-123 45 67', SWEDISH_MOBILE],
      ['mob. +46 70 123 45 67', SWEDISH_MOBILE],
      ['Tel: 08-123 456 78', STOCKHOLM_LINE],
      ['tfn 08-123 456 78', STOCKHOLM_LINE],
      ['Telefon 08-123 456 78', STOCKHOLM_LINE],
      ['direkt 08-123 456 78', STOCKHOLM_LINE],
      ['Växel 08-123 456 78', STOCKHOLM_LINE],
    ])('"%s" is read as %s with the label ignored', (raw, e164) => {
      expect(normalizePhone(raw, 'SE')).toMatchObject({ kind: 'valid', e164 });
    });

    it('a field holding several numbers is read as its first one', () => {
      expect(normalizePhone('0701234567, växel 08-123 456 78', 'SE')).toMatchObject({
        kind: 'valid',
        e164: SWEDISH_MOBILE,
      });
      expect(normalizePhone('08-123 456 78; 070-123 45 67', 'SE')).toMatchObject({
        kind: 'valid',
        e164: STOCKHOLM_LINE,
      });
    });

    it('a label with a bare country code still finds the foreign number', () => {
      expect(normalizePhone('mobil 4741234567', 'SE')).toMatchObject({ kind: 'valid', e164: '+4741234567' });
    });
  });

  describe('region ambiguity', () => {
    it.each([['+47 412 34 567'], ['0047 41234567'], ['004741234567']])(
      'the Norwegian number "%s" written with its country code is read as Norwegian under default SE',
      (raw) => {
        expect(normalizePhone(raw, 'SE')).toEqual({
          kind: 'valid',
          e164: '+4741234567',
          region: 'NO',
          type: 'mobile',
        });
      },
    );

    it('a Norwegian number written with its country code but no plus is read as Norwegian under default SE', () => {
      expect(normalizePhone('4741234567', 'SE')).toEqual({
        kind: 'valid',
        e164: '+4741234567',
        region: 'NO',
        type: 'mobile',
      });
    });

    it('a Norwegian number typed without prefix is reported invalid, never read as Swedish', () => {
      expect(normalizePhone('412 34 567', 'SE')).toEqual({ kind: 'invalid', reason: 'not_a_valid_number' });
      expect(toE164('412 34 567', 'SE')).toBeUndefined();
    });

    it.each([
      ['298 603 213', 'SE', 'Faroese +298603213'],
      ['98 28 27 21', 'SE', 'Iranian +98282721'],
      ['466 342 308', 'NO', 'Swedish +466342308'],
    ])(
      'a short number "%s" that is invalid under default %s is reported invalid, not guessed as the %s',
      (raw, region) => {
        expect(normalizePhone(raw, region)).toEqual({ kind: 'invalid', reason: 'not_a_valid_number' });
      },
    );

    it('with default region NO, "412 34 567" is the Norwegian mobile +4741234567', () => {
      expect(normalizePhone('412 34 567', 'NO')).toEqual({
        kind: 'valid',
        e164: '+4741234567',
        region: 'NO',
        type: 'mobile',
      });
    });

    it('a default region configured in lower case ("no") works like "NO"', () => {
      expect(normalizePhone('412 34 567', 'no')).toMatchObject({ kind: 'valid', e164: '+4741234567' });
    });

    it.each([
      ['040 123 4567', 'FI', '+358401234567', 'FI', 'mobile'],
      ['+358 40 123 4567', 'SE', '+358401234567', 'FI', 'mobile'],
      ['20 12 34 56', 'DK', '+4520123456', 'DK', 'fixed_or_other'],
      ['+45 20 12 34 56', 'SE', '+4520123456', 'DK', 'fixed_or_other'],
    ] as const)('"%s" under default %s is read as %s in %s (type %s)', (raw, defaultRegion, e164, region, type) => {
      // Danish numbers are "fixed line or mobile" in libphonenumber's metadata: the plan does not say mobile.
      expect(normalizePhone(raw, defaultRegion)).toEqual({ kind: 'valid', e164, region, type });
    });

    it('a number with a plus is read even when the configured default region is unknown', () => {
      expect(normalizePhone('+46 70 123 45 67', 'XX')).toMatchObject({ kind: 'valid', e164: SWEDISH_MOBILE });
      expect(normalizePhone('+46 70 123 45 67', '')).toMatchObject({ kind: 'valid', e164: SWEDISH_MOBILE });
    });

    it.each([
      ['SE', true],
      ['NO', true],
      ['DK', true],
      ['FI', true],
      ['XX', false],
      ['', false],
    ] as const)('a configured default region %j is reported as supported: %s', (region, supported) => {
      expect(isSupportedRegion(region)).toBe(supported);
    });

    it('a national number under an unknown default region is reported as no number, not a crash', () => {
      expect(normalizePhone('0701234567', 'XX')).toEqual({ kind: 'invalid', reason: 'no_number_found' });
    });
  });

  describe('garbage', () => {
    it.each([
      ['', 'empty'],
      ['   ', 'empty'],
      ['\t\n', 'empty'],
      ['abc', 'no_number_found'],
      ['📞', 'no_number_found'],
      ['😀😀', 'no_number_found'],
      ['123', 'not_a_valid_number'],
      ['+4670123456789012', 'not_a_valid_number'],
      ['0701234', 'not_a_valid_number'],
    ] as const)('%j is reported invalid (%s) and never throws', (raw, reason) => {
      expect(normalizePhone(raw, 'SE')).toEqual({ kind: 'invalid', reason });
      expect(toE164(raw, 'SE')).toBeUndefined();
    });

    it('a missing number has no E.164 form', () => {
      expect(toE164(undefined, 'SE')).toBeUndefined();
    });
  });

  describe('properties', () => {
    const digit = fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9');

    /** A Swedish mobile's national significant number: 7[02369] and seven digits (spec C.1, Swedish metadata). */
    const swedishMobileNsn = fc
      .tuple(fc.constantFrom('0', '2', '3', '6', '9'), fc.array(digit, { minLength: 7, maxLength: 7 }))
      .map(([second, rest]) => `7${second}${rest.join('')}`);

    const separator = fc.constantFrom('', ' ', '-', ' - ', '  ');
    const prefix = fc.constantFrom('0', '+46', '+46 ', '0046', '0046 ', '+46 (0)', '(0)', '46', '');
    const padding = fc.constantFrom('', ' ', '  ', '\t', '\u00a0');

    /** One way a person might write a Swedish mobile: prefix, separators anywhere between digits, padding. */
    const writtenSwedishMobile = swedishMobileNsn.chain((nsn) =>
      fc
        .record({
          prefix,
          separators: fc.array(separator, { minLength: nsn.length - 1, maxLength: nsn.length - 1 }),
          before: padding,
          after: padding,
        })
        .map(({ prefix: p, separators, before, after }) => {
          const body = [...nsn].map((d, i) => (i === 0 ? d : `${separators[i - 1] ?? ''}${d}`)).join('');
          return { nsn, written: `${before}${p}${body}${after}` };
        }),
    );

    /** Strings made of what phone fields contain, so the parser's inner paths are reached, not just rejected. */
    const phoneish = fc.string({
      unit: fc.constantFrom(
        ...'0123456789+-/() .'.split(''),
        'x',
        'ext',
        'ankn.',
        'vx',
        'tel:',
        'mobil ',
        '#',
        '46',
        '0046',
        '(0)',
        '７',
        '\u00a0',
      ),
      maxLength: 30,
    });

    const anyInput = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme' }),
      phoneish,
      writtenSwedishMobile.map(({ written }) => written),
    );
    const mostlyValidInput = fc.oneof(
      { arbitrary: writtenSwedishMobile.map(({ written }) => written), weight: 3 },
      {
        arbitrary: fc.constantFrom(
          '4741234567',
          '0047 41234567',
          '+358 40 123 4567',
          '20 12 34 56',
          '412 34 567',
          '040 123 4567',
          '08-123 456 78 ankn. 123',
          '08-123 456 00 / 123',
          '0771-123 456',
        ),
        weight: 2,
      },
      { arbitrary: phoneish, weight: 1 },
    );
    const anyRegion = fc.oneof(fc.constantFrom(...REGIONS), fc.string({ maxLength: 4 }));

    it('any way of writing a Swedish mobile normalizes to the same E.164', () => {
      fc.assert(
        fc.property(writtenSwedishMobile, ({ nsn, written }) => {
          expect(normalizePhone(written, 'SE')).toEqual({
            kind: 'valid',
            e164: `+46${nsn}`,
            region: 'SE',
            type: 'mobile',
          });
        }),
        { numRuns: 500 },
      );
    });

    it('a normalized number reads back as itself whatever the default region', () => {
      fc.assert(
        fc.property(mostlyValidInput, anyRegion, anyRegion, (raw, firstRegion, secondRegion) => {
          const first = normalizePhone(raw, firstRegion);
          if (first.kind !== 'valid') return;
          const again = normalizePhone(first.e164, secondRegion);
          expect(again).toMatchObject({ kind: 'valid', e164: first.e164, type: first.type });
          expect(again).not.toHaveProperty('extension');
        }),
        { numRuns: 500 },
      );
    });

    it('whatever is typed, a valid result is a plain E.164 number with nothing else in it', () => {
      fc.assert(
        fc.property(anyInput, anyRegion, (raw, region) => {
          const result = normalizePhone(raw, region);
          if (result.kind === 'valid') {
            expect(result.e164).toMatch(/^\+[1-9]\d{6,14}$/);
          }
        }),
        { numRuns: 1000 },
      );
    });

    it('garbage input or a bad region never throws: the answer is always valid or invalid with a reason', () => {
      const reasons: readonly string[] = ['empty', 'no_number_found', 'not_a_valid_number'];
      fc.assert(
        fc.property(anyInput, anyRegion, (raw, region) => {
          let result: NormalizedPhone | undefined;
          expect(() => {
            result = normalizePhone(raw, region);
          }).not.toThrow();
          if (result?.kind === 'invalid') expect(reasons).toContain(result.reason);
          else expect(result?.kind).toBe('valid');
        }),
        { numRuns: 2000 },
      );
    });
  });
});
