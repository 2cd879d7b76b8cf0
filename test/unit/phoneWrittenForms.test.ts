import fc from 'fast-check';
import { normalizePhone, phoneWrittenForms } from '../../src/core';

describe('phoneWrittenForms: the forms a CRM search asks for', () => {
  it('a Swedish mobile includes the forms people type in Lime', () => {
    expect(phoneWrittenForms('+46701234567')).toEqual(
      expect.arrayContaining([
        '+46701234567',
        '+46 70 123 45 67',
        '+46 (0)70 123 45 67',
        '0046701234567',
        '070-123 45 67',
        '070 123 45 67',
        '070-1234567',
        '0701234567',
        '46701234567',
      ]),
    );
  });

  it('a Stockholm number includes the 08 forms', () => {
    expect(phoneWrittenForms('+46812345678')).toEqual(
      expect.arrayContaining(['08-123 456 78', '08-12345678', '+46 8 123 456 78']),
    );
  });

  it('a country without trunk prefix gets no "(0)" form', () => {
    expect(phoneWrittenForms('+4741234567').some((form) => form.includes('(0)'))).toBe(false);
  });

  it('every form reads back as the same number (no form could match someone else)', () => {
    const mobiles = fc.tuple(fc.constantFrom('70', '72', '73', '76', '79'), fc.integer({ min: 0, max: 9_999_999 }));
    fc.assert(
      fc.property(mobiles, ([prefix, rest]) => {
        const e164 = `+46${prefix}${String(rest).padStart(7, '0')}`;
        for (const form of phoneWrittenForms(e164)) {
          expect(normalizePhone(form, 'SE')).toMatchObject({ kind: 'valid', e164 });
        }
      }),
    );
  });

  it('a string that is not a number is returned as the only form', () => {
    expect(phoneWrittenForms('not a number')).toEqual(['not a number']);
  });
});
