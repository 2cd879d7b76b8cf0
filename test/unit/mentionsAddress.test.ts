import { payloadMentions } from '../../src/receiver/privacy/erasePerson';
import { mentionsAddress } from '../../src/receiver/store/mentionsAddress';
import { buildParticipant, buildPayload } from '../support/payloads';

const ANNA = 'anna@customer.se';

describe('mentionsAddress', () => {
  it.each([
    ['email anna@customer.se → person 1001 (unique)', true],
    ['Anna@Customer.SE → person 1001', true],
    ['<anna@customer.se>, then', true],
    ['at the end: anna@customer.se.', true],
    ['anna@customer.se', true],
    ['johanna@customer.se → person 1002', false],
    ['maria.anna@customer.se', false],
    ['anna@customer.se.example', false],
    ['anna@customer.sea', false],
    ['anna@customer-se', false],
    ['no address here', false],
    ['johanna@customer.se, anna@customer.se', true],
  ])('%s → %s', (text, expected) => {
    expect(mentionsAddress(text, ANNA)).toBe(expected);
  });
});

describe('payloadMentions', () => {
  const body = (payload: unknown) => Buffer.from(JSON.stringify(payload));

  it('finds a participant by the normalized e-mail, however it was written', () => {
    const payload = buildPayload({ participants: [buildParticipant({ email: ' <mailto:Anna@Customer.SE> ' })] });
    expect(payloadMentions(body(payload), ANNA)).toBe(true);
  });

  it('finds the presenter', () => {
    const payload = buildPayload({ user: { id: 'u-1', name: 'Anna', email: 'ANNA@customer.se' } });
    expect(payloadMentions(body(payload), ANNA)).toBe(true);
  });

  it('finds the address in the summary text, also when JSON escapes its characters', () => {
    const payload = buildPayload({ summary: 'Copy anna@customer.se on the offer.' });
    const escaped = JSON.stringify(payload).replace('anna@customer.se', 'anna\\u0040customer.se');
    expect(escaped).not.toContain(ANNA);
    expect(payloadMentions(Buffer.from(escaped), ANNA)).toBe(true);
  });

  it('does not take another person whose address ends in the same text', () => {
    const payload = buildPayload({ participants: [buildParticipant({ email: 'johanna@customer.se' })] });
    expect(payloadMentions(body(payload), ANNA)).toBe(false);
  });

  it('searches a body that is not JSON as text', () => {
    expect(payloadMentions(Buffer.from('{"broken": "anna@customer.se'), ANNA)).toBe(true);
    expect(payloadMentions(Buffer.from('{"broken": "someone@else.se'), ANNA)).toBe(false);
  });
});
