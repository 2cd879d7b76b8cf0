import { classifyParticipants, splitName, type ClassifyOptions } from '../../src/core';
import { buildParticipant, buildSummary, loadFixture, summaryOf } from '../support/payloads';

const SE: ClassifyOptions = { defaultRegion: 'SE' };

const emails = (list: ReadonlyArray<{ email?: string | undefined }>) => list.map((p) => p.email);

describe('classifyParticipants: who is a colleague and who is a customer', () => {
  it('in a meeting with colleagues, only the customers are external', () => {
    const result = classifyParticipants(summaryOf(loadFixture('meeting-with-colleagues')), {
      ...SE,
      internalDomains: ['seller.se'],
    });
    expect(emails(result.external)).toEqual(['anna.andersson@acme.se', 'lars.oberg@acme.se']);
    expect(result.internal.map((p) => [p.email, p.reason])).toEqual([
      ['sara.saljare@seller.se', 'presenter'],
      ['johan@sales.seller.se', 'internal_domain'],
      ['maja@seller-partner.se', 'role'],
    ]);
    expect(result.notMatchable).toEqual([]);
  });

  it('the presenter is internal even when listed as a customer', () => {
    const result = classifyParticipants(
      buildSummary({ participants: [buildParticipant({ email: 'sara@seller.se', role: 'customer' })] }),
      { ...SE, presenterDomainIsInternal: false },
    );
    expect(result.internal).toEqual([expect.objectContaining({ email: 'sara@seller.se', reason: 'presenter' })]);
  });

  it.each(['host', 'HOST', 'internal', 'agent', 'user'])('a participant with role %s is internal', (role) => {
    const result = classifyParticipants(
      buildSummary({ participants: [buildParticipant({ email: 'x@acme.se', role })] }),
      SE,
    );
    expect(result.internal).toEqual([expect.objectContaining({ reason: 'role' })]);
  });

  it.each(['customer', 'guest', undefined])('a participant with role %s is external', (role) => {
    const result = classifyParticipants(
      buildSummary({ participants: [buildParticipant({ email: 'x@acme.se', role })] }),
      SE,
    );
    expect(emails(result.external)).toEqual(['x@acme.se']);
  });

  it('internal roles can be configured', () => {
    const summary = buildSummary({ participants: [buildParticipant({ role: 'säljare' })] });
    expect(classifyParticipants(summary, { ...SE, internalRoles: ['säljare'] }).internal).toHaveLength(1);
    expect(classifyParticipants(summary, SE).internal).toHaveLength(0);
  });

  it('internal domains match case-insensitively, with or without @, and include subdomains but not look-alikes', () => {
    const summary = buildSummary({
      user: { name: 'Sara', email: 'sara@gmail.com' },
      participants: [
        buildParticipant({ email: 'a@Seller.SE' }),
        buildParticipant({ email: 'b@eu.seller.se' }),
        buildParticipant({ email: 'c@notseller.se' }),
        buildParticipant({ email: 'd@seller.se.evil.com' }),
      ],
    });
    const result = classifyParticipants(summary, { ...SE, internalDomains: [' @SELLER.se '] });
    expect(emails(result.internal)).toEqual(['a@seller.se', 'b@eu.seller.se']);
    expect(emails(result.external)).toEqual(['c@notseller.se', 'd@seller.se.evil.com']);
  });

  it("colleagues on the presenter's domain are internal without configuration", () => {
    const summary = buildSummary({
      user: { name: 'Sara', email: 'sara@seller.se' },
      participants: [buildParticipant({ email: 'olle@seller.se' }), buildParticipant({ email: 'anna@acme.se' })],
    });
    const result = classifyParticipants(summary, SE);
    expect(result.internal.map((p) => [p.email, p.reason])).toEqual([['olle@seller.se', 'presenter_domain']]);
    expect(classifyParticipants(summary, { ...SE, presenterDomainIsInternal: false }).internal).toEqual([]);
  });

  it("a presenter on a free-mail domain does not make that domain's customers internal", () => {
    const summary = buildSummary({
      user: { name: 'Sara', email: 'sara.saljare@gmail.com' },
      participants: [buildParticipant({ email: 'kund@gmail.com' })],
    });
    expect(emails(classifyParticipants(summary, SE).external)).toEqual(['kund@gmail.com']);
  });
});

describe('classifyParticipants: one person, one entry', () => {
  it('participants with the same e-mail collapse into one, keeping the first value of each field', () => {
    const result = classifyParticipants(summaryOf(loadFixture('meeting-with-colleagues')), SE);
    const anna = result.external.find((p) => p.email === 'anna.andersson@acme.se');
    expect(anna).toMatchObject({
      index: 1,
      sourceIndexes: [1, 5],
      firstName: 'Anna',
      lastName: 'Andersson',
      company: 'Acme AB',
      phones: [{ field: 'mobile_phone', e164: '+46701234567', type: 'mobile' }],
    });
    expect(result.external.filter((p) => p.email === 'anna.andersson@acme.se')).toHaveLength(1);
  });

  it('a duplicate that is internal makes the merged participant internal', () => {
    const result = classifyParticipants(
      buildSummary({
        participants: [
          buildParticipant({ email: 'x@acme.se', role: 'customer' }),
          buildParticipant({ email: 'X@acme.se', role: 'host' }),
        ],
      }),
      SE,
    );
    expect(result.external).toEqual([]);
    expect(result.internal).toHaveLength(1);
  });

  it('participants without e-mail are never merged with each other', () => {
    const result = classifyParticipants(
      buildSummary({
        participants: [
          { name: 'A', phone: '0701234567' },
          { name: 'B', phone: '0707654321' },
        ],
      }),
      SE,
    );
    expect(result.external.map((p) => p.name)).toEqual(['A', 'B']);
  });
});

describe('classifyParticipants: what can be matched on', () => {
  it('a phone-only participant is matchable by phone, read into E.164', () => {
    const result = classifyParticipants(summaryOf(loadFixture('phone-only-participant')), SE);
    expect(result.external).toEqual([
      expect.objectContaining({ email: undefined, phones: [{ field: 'phone', e164: '+46709876543', type: 'mobile' }] }),
    ]);
  });

  it('a participant with no contact data is kept and reported not matchable', () => {
    const result = classifyParticipants(summaryOf(loadFixture('participant-without-contact-data')), SE);
    expect(result.notMatchable).toEqual([expect.objectContaining({ name: 'Besökare från lagret', index: 0 })]);
    expect(emails(result.external)).toEqual(['erik.ek@fjallbo.se']);
  });

  it('mobile_phone comes before phone, the same number only once, the extension kept apart', () => {
    const result = classifyParticipants(
      buildSummary({
        participants: [{ email: 'a@acme.se', phone: '08-123 456 78 ankn. 12', mobile_phone: '070-123 45 67' }],
      }),
      SE,
    );
    expect(result.external[0]?.phones).toEqual([
      { field: 'mobile_phone', e164: '+46701234567', type: 'mobile' },
      { field: 'phone', e164: '+46812345678', extension: '12', type: 'fixed_or_other' },
    ]);
    const same = classifyParticipants(
      buildSummary({ participants: [{ email: 'a@acme.se', phone: '0701234567', mobile_phone: '+46 70 123 45 67' }] }),
      SE,
    );
    expect(same.external[0]?.phones).toHaveLength(1);
  });

  it('a number that cannot be read safely is never matched on, and is reported', () => {
    const result = classifyParticipants(summaryOf(loadFixture('nordic-meeting')), SE);
    const ola = result.notMatchable.find((p) => p.name === 'Ola Nordmann');
    expect(ola).toMatchObject({ phones: [], unreadablePhones: [{ field: 'phone', reason: 'not_a_valid_number' }] });
    expect(
      classifyParticipants(summaryOf(loadFixture('nordic-meeting')), { defaultRegion: 'NO' }).external,
    ).toContainEqual(
      expect.objectContaining({ name: 'Ola Nordmann', phones: [expect.objectContaining({ e164: '+4741234567' })] }),
    );
  });

  it('Nordic numbers written with their country code are read whatever the default region', () => {
    const result = classifyParticipants(summaryOf(loadFixture('nordic-meeting')), SE);
    expect(result.external.map((p) => p.phones.map((phone) => phone.e164))).toEqual([
      ['+4741234567'],
      ['+4520123456'],
      ['+358401234567'],
    ]);
  });

  it("without a company of their own, external participants get the meeting's company, marked as such", () => {
    const result = classifyParticipants(summaryOf(loadFixture('participant-without-contact-data')), SE);
    expect(result.external[0]).toMatchObject({ company: 'Fjällbo Logistik AB', companySource: 'meeting' });
    const own = classifyParticipants(summaryOf(loadFixture('nordic-meeting')), SE);
    expect(own.external[0]).toMatchObject({ company: 'Fjordkraft Demo AS', companySource: 'participant' });
  });
});

describe('splitName', () => {
  it.each([
    [undefined, undefined, 'Anna Andersson', { firstName: 'Anna', lastName: 'Andersson' }],
    [undefined, undefined, 'Anna Maria  Andersson', { firstName: 'Anna Maria', lastName: 'Andersson' }],
    [undefined, undefined, 'Andersson, Anna', { firstName: 'Anna', lastName: 'Andersson' }],
    [undefined, undefined, 'Anna', { firstName: 'Anna', lastName: undefined }],
    [undefined, undefined, undefined, { firstName: undefined, lastName: undefined }],
    ['Anna', 'von Andersson', 'Ignored Name', { firstName: 'Anna', lastName: 'von Andersson' }],
    [undefined, 'Öberg', 'Lars Öberg', { firstName: undefined, lastName: 'Öberg' }],
  ])('first %p, last %p, name %p → %p', (first, last, full, expected) => {
    expect(splitName(first, last, full)).toEqual(expected);
  });
});
