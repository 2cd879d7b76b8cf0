import { classifyParticipants, decideMatch, type PersonCandidate } from '../../src/core';
import { traceCandidates } from '../../src/receiver/admin/deliveryPage';
import { buildSummary, type WireParticipant } from '../support/payloads';

const SE = { defaultRegion: 'SE' };

/** The trace decideMatch writes for this participant among these persons. */
function traceFor(fields: WireParticipant, persons: PersonCandidate[]): { kind: string; trace: string } {
  const [participant] = classifyParticipants(
    buildSummary({ participants: [{ role: 'customer', ...fields }] }),
    SE,
  ).external;
  if (!participant) throw new Error('the participant is not matchable');
  const decision = decideMatch(participant, { persons }, SE);
  return { kind: decision.kind, trace: decision.kind === 'none' ? '' : decision.trace };
}

describe('the candidates the delivery page offers an admin, read from the matching trace', () => {
  it('an e-mail two persons hold, nothing telling them apart: both are offered', () => {
    const decided = traceFor({ email: 'info@acme.se' }, [
      { id: 1001, email: 'info@acme.se' },
      { id: 1002, email: 'info@acme.se' },
    ]);
    expect(decided.kind).toBe('ambiguous');
    expect(traceCandidates(decided.trace)).toEqual(['1001', '1002']);
  });

  it('a number two persons hold: both holders are offered', () => {
    const decided = traceFor({ phone: '070-123 45 67' }, [
      { id: 2001, mobilePhone: '+46701234567' },
      { id: 2002, phone: '+46701234567' },
    ]);
    expect(decided.kind).toBe('ambiguous');
    expect(traceCandidates(decided.trace)).toEqual(['2001', '2002']);
  });

  it('a trace that names no candidates offers none', () => {
    expect(traceCandidates('email nobody@example.org → 0 hits → no match')).toEqual([]);
  });
});
