import fc from 'fast-check';

import { emailDomain, normalizeEmail } from '../../src/core/normalizeEmail';

describe('normalizeEmail', () => {
  it.each([
    ['anna@acme.se', 'anna@acme.se'],
    ['  anna@acme.se\t', 'anna@acme.se'],
    ['Anna.Andersson@ACME.SE', 'anna.andersson@acme.se'],
    ['mailto:anna@acme.se', 'anna@acme.se'],
    ['MAILTO:Anna@Acme.se', 'anna@acme.se'],
    ['mailto: anna@acme.se', 'anna@acme.se'],
    ['<anna@acme.se>', 'anna@acme.se'],
    ['< Anna@Acme.se >', 'anna@acme.se'],
    ['<mailto:anna@acme.se>', 'anna@acme.se'],
    [' <anna@acme.se> ', 'anna@acme.se'],
    ['ＡＮＮＡ@ａｃｍｅ.ｓｅ', 'anna@acme.se'],
  ])('%j is matched as %s', (raw, expected) => {
    expect(normalizeEmail(raw)).toBe(expected);
  });

  it.each([
    ['anna+crm@acme.se', 'anna+crm@acme.se'],
    ['anna.k@acme.co.uk', 'anna.k@acme.co.uk'],
    ["o'brien@acme.ie", "o'brien@acme.ie"],
    ['anna@åkesson.se', 'anna@åkesson.se'],
    ['ANNA@ÅKESSON.SE', 'anna@åkesson.se'],
    ['x@xn--kesson-cua.se', 'x@xn--kesson-cua.se'],
    ['x@acme.XN--P1AI', 'x@acme.xn--p1ai'],
    ['x@acme.рф', 'x@acme.рф'],
    ['anna@mail-1.acme.se', 'anna@mail-1.acme.se'],
  ])('the real address %j is accepted as %s', (raw, expected) => {
    expect(normalizeEmail(raw)).toBe(expected);
  });

  it.each([
    ['anna@acme', 'no top-level domain'],
    ['anna.acme.se', 'no @'],
    ['anna@@acme.se', 'two @'],
    ['anna@bo@acme.se', 'two @ apart'],
    ['a b@acme.se', 'a space in the local part'],
    ['anna@ac me.se', 'a space in the domain'],
    ['', 'empty'],
    ['   ', 'only whitespace'],
    ['<>', 'empty brackets'],
    ['mailto:', 'only mailto:'],
    ['@acme.se', 'no local part'],
    ['anna@', 'no domain'],
    ['.anna@acme.se', 'a leading dot in the local part'],
    ['anna.@acme.se', 'a trailing dot in the local part'],
    ['anna..k@acme.se', 'two dots in a row in the local part'],
    ['anna@acme..se', 'an empty domain label'],
    ['anna@-acme.se', 'a domain label starting with a hyphen'],
    ['anna@acme-.se', 'a domain label ending with a hyphen'],
    ['anna@acme.s', 'a one-letter top-level domain'],
    ['anna@acme.123', 'a numeric top-level domain'],
    ['anna@acme.se.', 'a trailing dot'],
    ['"anna"@acme.se', 'a quoted local part'],
    ['anna,bo@acme.se', 'a list separator'],
    ['Anna <anna@acme.se>', 'a display name'],
    ['<anna@acme.se', 'an unbalanced angle bracket'],
  ])('%j is rejected (%s), so nothing is ever matched on it', (raw) => {
    expect(normalizeEmail(raw)).toBeUndefined();
  });

  it('an address of 254 characters is accepted and one of 255 is rejected', () => {
    const local = 'a'.repeat(64);
    const domainOf = (length: number) => `${'b'.repeat(length - 3)}.se`;
    const atLimit = `${local}@${domainOf(254 - 65)}`;
    const overLimit = `${local}@${domainOf(255 - 65)}`;
    expect(atLimit).toHaveLength(254);
    expect(overLimit).toHaveLength(255);
    expect(normalizeEmail(atLimit)).toBe(atLimit);
    expect(normalizeEmail(overLimit)).toBeUndefined();
  });

  it('the length limit applies to the address, not to the whitespace pasted around it', () => {
    const address = `${'a'.repeat(64)}@${'b'.repeat(183)}.se`;
    expect(address).toHaveLength(251);
    expect(normalizeEmail(`${' '.repeat(10)}${address}${' '.repeat(10)}`)).toBe(address);
  });

  describe('emailDomain', () => {
    it.each([
      ['anna@acme.se', 'acme.se'],
      ['anna@mail.acme.co.uk', 'mail.acme.co.uk'],
      ['anna@åkesson.se', 'åkesson.se'],
    ])('the company domain of %s is %s', (email, domain) => {
      expect(emailDomain(email)).toBe(domain);
    });

    it('the domain is what follows the last @', () => {
      expect(emailDomain('odd@name@acme.se')).toBe('acme.se');
    });
  });

  describe('properties', () => {
    const anyText = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme' }),
      fc.string({
        unit: fc.constantFrom('a', 'Å', 'Z', '0', '.', '@', '-', '+', ' ', '<', '>', 'mailto:', 'xn--', 'se', '"'),
      }),
    );

    /** Real-looking addresses in mixed case with the wrappings people paste them in. */
    const pastedAddress = fc
      .tuple(
        fc.emailAddress(),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 320 }),
        fc.constantFrom('', 'mailto:', 'MAILTO:'),
        fc.boolean(),
        fc.constantFrom('', ' ', '\t', '  '),
      )
      .map(([address, upper, scheme, brackets, pad]) => {
        const cased = [...address].map((ch, i) => (upper[i % upper.length] ? ch.toUpperCase() : ch)).join('');
        const withScheme = `${scheme}${cased}`;
        return { address, pasted: `${pad}${brackets ? `<${withScheme}>` : withScheme}${pad}` };
      });

    it('a pasted address, whatever its case or wrapping, normalizes to its lower-case form', () => {
      fc.assert(
        fc.property(pastedAddress, ({ address, pasted }) => {
          expect(normalizeEmail(pasted)).toBe(address.toLowerCase());
        }),
        { numRuns: 500 },
      );
    });

    it('normalizing an already normalized address changes nothing', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            anyText,
            pastedAddress.map(({ pasted }) => pasted),
          ),
          (raw) => {
            const once = normalizeEmail(raw);
            if (once !== undefined) expect(normalizeEmail(once)).toBe(once);
          },
        ),
        { numRuns: 1000 },
      );
    });

    it('a normalized address is always lower-case, trimmed and at most 254 characters', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            anyText,
            pastedAddress.map(({ pasted }) => pasted),
          ),
          (raw) => {
            const result = normalizeEmail(raw);
            if (result === undefined) return;
            expect(result).toBe(result.toLowerCase());
            expect(result).toBe(result.trim());
            expect(result.length).toBeLessThanOrEqual(254);
            expect(result.split('@')).toHaveLength(2);
          },
        ),
        { numRuns: 1000 },
      );
    });

    it('garbage never throws: it is either an address or undefined', () => {
      fc.assert(
        fc.property(anyText, (raw) => {
          const result = normalizeEmail(raw);
          expect(result === undefined || typeof result === 'string').toBe(true);
        }),
        { numRuns: 2000 },
      );
    });
  });
});
