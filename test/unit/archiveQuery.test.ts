import {
  archiveBool,
  archiveDate,
  archiveInt,
  decodeCell,
  inList,
  quote,
  searchPhoneForms,
} from '../../src/superoffice-script/archiveQuery';

describe('SuperOffice archive cells and restrictions', () => {
  it.each([
    ['[I:210]', '210'],
    ['[B:1]', '1'],
    ['Acme AB', 'Acme AB'],
    ['', undefined],
    [undefined, undefined],
  ])('the cell %p reads as %p', (display, value) => {
    expect(decodeCell(display)).toBe(value);
  });

  it('integer cells give positive ids only; 0 and text are no id', () => {
    expect(archiveInt('210')).toBe(210);
    expect(archiveInt('0')).toBeUndefined();
    expect(archiveInt('Acme')).toBeUndefined();
  });

  it('date cells (month/day/year, UTC) read as ISO, to the microsecond', () => {
    expect(archiveDate('03/04/2026 05:06:07.1234567')).toBe('2026-03-04T05:06:07.1234567Z');
    expect(archiveDate('2026-03-04T05:06:07Z')).toBe('2026-03-04T05:06:07Z');
    expect(archiveDate('yesterday')).toBeUndefined();
    expect(archiveDate(undefined)).toBeUndefined();
  });

  it('boolean cells', () => {
    expect([archiveBool('1'), archiveBool('True'), archiveBool('0'), archiveBool(undefined)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it("quotes escape ' and \\ so a value cannot break out of the restriction", () => {
    expect(quote("o'brien@acme.se")).toBe("'o\\'brien@acme.se'");
    expect(quote('a\\b')).toBe("'a\\\\b'");
    expect(inList('phone/formattedNumber', ['070-1', "x' or 1=1"])).toBe(
      "phone/formattedNumber in ('070-1', 'x\\' or 1=1')",
    );
  });

  it.each([
    ['+46701234567', ['46701234567', '0046701234567', '0701234567', '701234567', '+46701234567']],
    ['+46812345678', ['46812345678', '0046812345678', '0812345678', '812345678', '+46812345678']],
    // Norway has no trunk "0": the national digits are the number itself, listed once.
    ['+4741234567', ['4741234567', '004741234567', '41234567', '+4741234567']],
  ])('the stripped search forms of %s, digits only but for E.164', (e164, forms) => {
    expect(searchPhoneForms(e164)).toEqual(forms);
  });
});
