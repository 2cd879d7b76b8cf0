import { classifyParticipants, decideMatch, type MatchCandidates, type PersonCandidate } from '../../src/core';
import { ambiguityAdvice, ambiguityCause } from '../../src/receiver/admin/outcomeBadges';
import { buildSummary, type WireParticipant } from '../support/payloads';

// The admin page reads why a match was ambiguous from the stored trace: these cases run decideMatch itself, so a
// change to its trace wording fails here rather than silently giving the wrong advice.
const SE = { defaultRegion: 'SE' };

function traceOf(fields: WireParticipant, candidates: MatchCandidates): string {
  const [participant] = classifyParticipants(
    buildSummary({ participants: [{ role: 'customer', ...fields }] }),
    SE,
  ).external;
  const decision = decideMatch(participant!, candidates, SE);
  expect(decision.kind).toBe('ambiguous');
  return decision.trace;
}

const person = (id: number, fields: Omit<PersonCandidate, 'id'> = {}): PersonCandidate => ({ id, ...fields });
const same = '2026-01-01T00:00:00Z';

describe('ambiguous matches get advice that fits their cause', () => {
  it.each([
    [
      "a company's main number (switchboard)",
      traceOf({ phone: '08-555 000 00' }, { persons: [], companies: [{ id: 17, mainPhone: '08-5550 0000' }] }),
      { kind: 'switchboard', companyId: '17' },
      /company 17's switchboard .* ask for the person's direct number or e-mail/u,
    ],
    [
      'a number several persons at one company share',
      traceOf(
        { phone: '08-123 456 78' },
        {
          persons: [
            person(1, { phone: '08-123 456 78', companyId: 17 }),
            person(2, { phone: '0812345678', companyId: 17 }),
          ],
        },
      ),
      { kind: 'shared_number', persons: 2, oneCompany: true },
      /2 persons at one company share this number \(a switchboard or a shared line\).*do not merge them/u,
    ],
    [
      'a number persons at different companies have',
      traceOf(
        { phone: '0701234567' },
        {
          persons: [
            person(1, { mobilePhone: '0701234567', companyId: 17 }),
            person(2, { phone: '070-123 45 67', companyId: 18 }),
          ],
        },
      ),
      { kind: 'shared_number', persons: 2, oneCompany: false },
      /2 persons at different companies have this number: check in Lime which of them really has it/u,
    ],
    [
      'an e-mail two persons share, nothing telling them apart',
      traceOf(
        { email: 'info@dubbel.se' },
        {
          persons: [
            person(1, { email: 'info@dubbel.se', updatedAt: same }),
            person(2, { email: 'info@dubbel.se', updatedAt: same }),
          ],
        },
      ),
      { kind: 'duplicate_email' },
      /clean up the duplicates in Lime.*different people sharing a mailbox.*add each one's own mobile or direct number/u,
    ],
  ])('%s', (_name, trace, cause, advice) => {
    expect(ambiguityCause(trace)).toEqual(cause);
    expect(ambiguityAdvice({ trace })).toMatch(advice);
    // Only a real duplicate is told to clean up duplicates.
    if (cause.kind !== 'duplicate_email') expect(ambiguityAdvice({ trace })).not.toMatch(/duplicate/iu);
  });

  it('without a trace (removed with the payload) the advice stays general', () => {
    expect(ambiguityCause('')).toEqual({ kind: 'unknown' });
    expect(ambiguityAdvice({ trace: '' })).toContain('see the matching trace');
  });
});
