import { conversationReference, referenceLine, type MeetingSummary } from '../../src/core';
import { CrmError } from '../../src/crm/crmError';
import { coreModel, type LimeEmulator } from '../../src/sandbox/lime';
import { buildParticipant, buildSummary, loadFixture, summaryOf } from '../support/payloads';
import { closeAll, connectTo, DELIVER, notesOf, startLime, TEST_API_KEY } from '../support/lime';

/** Lime API calls per written note, per scenario: printed after the suite (the benchmark issue tracks it). */
const callsPerNote: Array<{ scenario: string; apiCalls: number; notes: number }> = [];
afterAll(() => {
  console.log(
    `Lime API calls per delivery:\n${callsPerNote
      .map(({ scenario, apiCalls, notes }) => `  ${scenario}: ${apiCalls} calls, ${notes} note(s)`)
      .join('\n')}`,
  );
});
afterEach(closeAll);

function seedAcme(lime: LimeEmulator) {
  const acme = lime.insert('company', { name: 'Acme AB', phone: '08-555 000 00' });
  const anna = lime.insert('person', {
    firstname: 'Anna',
    lastname: 'Andersson',
    email: 'anna.andersson@acme.se',
    mobilephone: '070-123 45 67',
    company: acme,
  });
  const lars = lime.insert('person', {
    firstname: 'Lars',
    lastname: 'Öberg',
    email: 'lars@acme-old.se',
    mobilephone: '+46 (0)76 111 22 33',
    company: acme,
  });
  const sara = lime.insert('coworker', { firstname: 'Sara', lastname: 'Säljare', email: 'sara.saljare@seller.se' });
  return { acme, anna, lars, sara };
}

async function deliverOnce(lime: LimeEmulator, summary: MeetingSummary, scenario: string, options = {}) {
  const report = await connectTo(lime).deliver(summary, { ...DELIVER, ...options });
  const notes = report.outcomes.filter((o) => o.outcome === 'written' || o.outcome === 'updated').length;
  callsPerNote.push({ scenario, apiCalls: report.apiCalls, notes });
  return report;
}

describe('Lime delivery: who gets a note', () => {
  it('a meeting with colleagues: each matched customer gets one note linked to person, company and coworker', async () => {
    const lime = await startLime();
    const { acme, anna, lars, sara } = seedAcme(lime);
    const summary = summaryOf(loadFixture('meeting-with-colleagues'));
    const report = await deliverOnce(lime, summary, 'meeting with colleagues (email + mobile)');

    expect(report.outcomes.map((o) => [o.participantIndex, o.outcome, o.matchedBy])).toEqual([
      [0, 'internal', undefined],
      [1, 'written', 'email'],
      [2, 'written', 'mobile'],
      [3, 'internal', undefined],
      [4, 'internal', undefined],
    ]);
    for (const personId of [anna, lars]) {
      const notes = notesOf(lime, personId);
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatchObject({
        person: personId,
        company: acme,
        coworker: sara,
        type: expect.objectContaining({ key: 'comment' }),
      });
      expect(notes[0]?.['note']).toMatch(
        /^Conversation Summary \| Sara Säljare \| Offer review — Acme \| 2026-11-20 10:00\n/u,
      );
      expect(notes[0]?.['note']).toContain(referenceLine(summary.conversationId));
    }
    expect(report.outcomes[2]?.trace).toBe(
      `email lars.oberg@acme.se → 0 hits; mobile +46761112233 → person ${lars} (unique) → company ${acme} → note ${String(report.outcomes[2]?.noteId)} created`,
    );
  });

  it('a mobile number stored in another written form than DCI sends still matches', async () => {
    const lime = await startLime();
    const { anna } = seedAcme(lime);
    const summary = buildSummary({ participants: [{ name: 'Anna', phone: '+46701234567', role: 'customer' }] });
    const report = await deliverOnce(lime, summary, 'phone-only participant, mobile match');
    expect(report.outcomes[0]).toMatchObject({ outcome: 'written', matchedBy: 'mobile', personId: anna });
  });

  it('a number in the phone field matches when no mobile does', async () => {
    const lime = await startLime();
    const acme = lime.insert('company', { name: 'Acme AB' });
    const bo = lime.insert('person', { firstname: 'Bo', phone: '08-123 456 78', company: acme });
    const summary = buildSummary({ participants: [{ phone: '+46 8 123 456 78', role: 'customer' }] });
    const report = await deliverOnce(lime, summary, 'phone match');
    expect(report.outcomes[0]).toMatchObject({ outcome: 'written', matchedBy: 'phone', personId: bo, companyId: acme });
  });

  it('no match and creating contacts off: nothing is written, and the trace says why', async () => {
    const lime = await startLime();
    seedAcme(lime);
    const report = await deliverOnce(
      lime,
      buildSummary({ participants: [buildParticipant({ email: 'new@acme.se' })] }),
      'no match',
    );
    expect(report.outcomes[0]).toMatchObject({
      outcome: 'no_match',
      trace: expect.stringContaining('creating contacts is off'),
    });
    expect(lime.all('history')).toEqual([]);
    expect(lime.all('person')).toHaveLength(2);
  });

  it('two persons with one e-mail: the active one gets the note', async () => {
    const lime = await startLime();
    const old = lime.insert('person', { firstname: 'Info', email: 'info@dubbel.se', inactive: true });
    const current = lime.insert('person', { firstname: 'Info', email: 'INFO@dubbel.se' });
    const report = await deliverOnce(
      lime,
      buildSummary({ participants: [buildParticipant({ email: 'info@dubbel.se' })] }),
      'duplicate email',
    );
    expect(report.outcomes[0]).toMatchObject({ outcome: 'written', personId: current });
    expect(report.outcomes[0]?.trace).toContain('resolved ambiguity');
    expect(notesOf(lime, old)).toEqual([]);
  });

  it('two active persons with one e-mail: the one holding the mobile the participant gave gets the note', async () => {
    const lime = await startLime();
    lime.insert('person', { firstname: 'A', email: 'info@dubbel.se', mobilephone: '070-999 88 77' });
    const b = lime.insert('person', { firstname: 'B', email: 'info@dubbel.se', mobilephone: '070-111 22 33' });
    const report = await deliverOnce(
      lime,
      buildSummary({ participants: [buildParticipant({ email: 'info@dubbel.se', mobile_phone: '+46701112233' })] }),
      'duplicate email, own number',
    );
    expect(report.outcomes[0]).toMatchObject({ outcome: 'written', personId: b });
    expect(report.outcomes[0]?.trace).toContain("holding the participant's number");
  });

  it('two active persons with one e-mail and nothing else to tell them apart: no note on either', async () => {
    const lime = await startLime();
    lime.insert('person', { firstname: 'A', email: 'info@dubbel.se' });
    lime.insert('person', { firstname: 'B', email: 'info@dubbel.se' });
    // B was updated last (the emulator's timestamps strictly increase); that does not make B the participant.
    const report = await deliverOnce(
      lime,
      buildSummary({ participants: [buildParticipant({ email: 'info@dubbel.se' })] }),
      'duplicate email, nothing else',
    );
    expect(report.outcomes[0]?.outcome).toBe('ambiguous');
    expect(report.outcomes[0]?.trace).toContain('nothing tells them apart');
    expect(lime.all('history')).toEqual([]);
  });

  it('a switchboard number shared by a person and the company picks nobody', async () => {
    const lime = await startLime();
    const acme = lime.insert('company', { name: 'Acme AB', phone: '08-555 000 00' });
    lime.insert('person', { firstname: 'Pia', lastname: 'Växel', phone: '08-555 000 00', company: acme });
    const summary = buildSummary({ participants: [{ name: 'Caller', phone: '08-555 000 00', role: 'customer' }] });
    const report = await deliverOnce(lime, summary, 'switchboard number');
    expect(report.outcomes[0]).toMatchObject({ outcome: 'ambiguous', companyId: acme });
    expect(report.outcomes[0]?.trace).toContain(`main number of company ${acme}`);
    expect(lime.all('history')).toEqual([]);
  });

  it('a single inactive person with the e-mail still gets the note (they were in the meeting)', async () => {
    const lime = await startLime();
    const gone = lime.insert('person', { firstname: 'Gone', email: 'gone@acme.se', inactive: true });
    const report = await deliverOnce(
      lime,
      buildSummary({ participants: [buildParticipant({ email: 'gone@acme.se' })] }),
      'inactive person',
    );
    expect(report.outcomes[0]).toMatchObject({ outcome: 'written', personId: gone });
    expect(report.outcomes[0]?.trace).toContain('(inactive)');
  });

  it('a person without company gets the note on the person only', async () => {
    const lime = await startLime();
    const solo = lime.insert('person', { firstname: 'Solo', email: 'solo@gmail.com' });
    const report = await deliverOnce(
      lime,
      buildSummary({ participants: [buildParticipant({ email: 'solo@gmail.com' })] }),
      'person without company',
    );
    expect(report.outcomes[0]).toMatchObject({ outcome: 'written', personId: solo, companyId: undefined });
    expect(notesOf(lime, solo)[0]).toMatchObject({ company: null });
    expect(report.outcomes[0]?.trace).toContain('no company');
  });

  it('the presenter is linked as coworker only when exactly one coworker has the e-mail', async () => {
    const lime = await startLime();
    const { anna } = seedAcme(lime);
    const unknownPresenter = buildSummary({
      user: { name: 'Ny Säljare', email: 'ny@seller.se' },
      participants: [buildParticipant({ email: 'anna.andersson@acme.se' })],
    });
    await deliverOnce(lime, unknownPresenter, 'unknown presenter');
    expect(notesOf(lime, anna)[0]).toMatchObject({ coworker: null });
  });

  it('two participants who are the same Lime person give one note', async () => {
    const lime = await startLime();
    const { anna } = seedAcme(lime);
    const summary = buildSummary({
      participants: [
        buildParticipant({ email: 'anna.andersson@acme.se' }),
        { name: 'Anna (mobile)', mobile_phone: '0701234567', role: 'customer' },
      ],
    });
    const report = await deliverOnce(lime, summary, 'same person twice');
    expect(report.outcomes.map((o) => o.outcome)).toEqual(['written', 'same_person']);
    expect(notesOf(lime, anna)).toHaveLength(1);
  });
});

describe('Lime delivery: "Create contact in CRM"', () => {
  const newcomer = () =>
    buildSummary({
      participants: [
        { name: 'Nils Ny', email: 'nils@nykund.se', phone: '070-765 43 21', company: 'Nykund AB', role: 'customer' },
      ],
    });

  it('on, company unknown: company and person are created and linked, then the note', async () => {
    const lime = await startLime();
    const report = await deliverOnce(lime, newcomer(), 'create company + person', { createMissingContacts: true });
    const [company] = lime.all('company');
    const [person] = lime.all('person');
    expect(company).toMatchObject({ name: 'Nykund AB' });
    expect(person).toMatchObject({
      firstname: 'Nils',
      lastname: 'Ny',
      email: 'nils@nykund.se',
      phone: '+46707654321',
      mobilephone: '+46707654321',
      company: company?.['_id'],
    });
    expect(report.outcomes[0]).toMatchObject({
      outcome: 'written',
      matchedBy: 'created',
      created: { company: true, person: true },
      personId: person?.['_id'],
      companyId: company?.['_id'],
    });
    expect(notesOf(lime, person?.['_id'] as number)).toHaveLength(1);
  });

  it('on, company found by its normalized name: only the person is created', async () => {
    const lime = await startLime();
    const existing = lime.insert('company', { name: 'NYKUND, AB' });
    const report = await deliverOnce(lime, newcomer(), 'create person at existing company', {
      createMissingContacts: true,
    });
    expect(lime.all('company')).toHaveLength(1);
    expect(report.outcomes[0]).toMatchObject({ created: { company: false, person: true }, companyId: existing });
  });

  it('on, several companies with the name: the person is created without a company', async () => {
    const lime = await startLime();
    lime.insert('company', { name: 'Nykund AB' });
    lime.insert('company', { name: 'Nykund' });
    const report = await deliverOnce(lime, newcomer(), 'create person, company ambiguous', {
      createMissingContacts: true,
    });
    expect(lime.all('company')).toHaveLength(2);
    expect(lime.all('person')[0]).toMatchObject({ company: null });
    expect(report.outcomes[0]?.trace).toContain('matches 2 companies');
  });

  it('on, a participant known only by e-mail gets the e-mail local part as first name', async () => {
    const lime = await startLime();
    await deliverOnce(
      lime,
      buildSummary({ participants: [{ email: 'kontakt@firma.se', role: 'customer' }] }),
      'create from email only',
      {
        createMissingContacts: true,
      },
    );
    expect(lime.all('person')[0]).toMatchObject({ firstname: 'kontakt', email: 'kontakt@firma.se' });
  });

  it('on, an ambiguous match creates nothing', async () => {
    const lime = await startLime();
    lime.insert('person', { firstname: 'C', mobilephone: '0701234567' });
    lime.insert('person', { firstname: 'D', phone: '070-123 45 67' });
    const summary = buildSummary({ participants: [{ phone: '0701234567', role: 'customer' }] });
    const report = await deliverOnce(lime, summary, 'ambiguous with create on', { createMissingContacts: true });
    expect(report.outcomes[0]?.outcome).toBe('ambiguous');
    expect(lime.all('person')).toHaveLength(2);
    expect(lime.all('company')).toHaveLength(0);
    expect(lime.all('history')).toHaveLength(0);
  });
});

describe('Lime delivery: exactly once', () => {
  it('delivering the same meeting again updates the note instead of adding one', async () => {
    const lime = await startLime();
    const { anna } = seedAcme(lime);
    const summary = buildSummary({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] });
    const first = await deliverOnce(lime, summary, 'first delivery');
    const second = await deliverOnce(lime, summary, 're-delivery');
    expect(first.outcomes[0]?.outcome).toBe('written');
    expect(second.outcomes[0]).toMatchObject({ outcome: 'updated', noteId: first.outcomes[0]?.noteId });
    expect(notesOf(lime, anna)).toHaveLength(1);
  });

  it('a regenerated summary for the same conversation replaces the text of the note already written', async () => {
    const lime = await startLime();
    const { anna } = seedAcme(lime);
    const summary = buildSummary({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] });
    await deliverOnce(lime, summary, 'first delivery');
    const regenerated: MeetingSummary = { ...summary, summary: 'A better summary, regenerated by DCI.' };
    await deliverOnce(lime, regenerated, 'regenerated summary');
    const notes = notesOf(lime, anna);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.['note']).toContain('A better summary, regenerated by DCI.');
  });

  it('a crash after Lime created the note but before it was recorded: running again creates no second note', async () => {
    const lime = await startLime();
    const { anna } = seedAcme(lime);
    const summary = buildSummary({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] });
    // The note is in Lime (the POST went through); whatever the receiver had in memory is gone.
    await connectTo(lime).deliver(summary, DELIVER);
    const rerun = await connectTo(lime).deliver(summary, DELIVER);
    expect(rerun.outcomes[0]?.outcome).toBe('updated');
    expect(notesOf(lime, anna)).toHaveLength(1);
  });

  it('a note someone wrote about the conversation on another person is not taken for ours', async () => {
    const lime = await startLime();
    const { anna, lars } = seedAcme(lime);
    const summary = buildSummary({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] });
    lime.insert('history', {
      type: 'comment',
      note: `Copied: ${conversationReference(summary.conversationId)}`,
      person: lars,
    });
    await deliverOnce(lime, summary, 'reference on another person');
    expect(notesOf(lime, anna)).toHaveLength(1);
    expect(notesOf(lime, lars)).toHaveLength(1);
  });

  it('when Lime fails half-way, the error says so, and the retry completes without duplicates', async () => {
    const lime = await startLime();
    const { anna, lars } = seedAcme(lime);
    const summary = summaryOf(loadFixture('meeting-with-colleagues'));
    const all = ['read', 'create', 'update', 'delete'] as const;
    // Anna's note can be updated, but Lars's cannot be created: the delivery stops half-way.
    lime.insert('history', { type: 'comment', note: referenceLine(summary.conversationId), person: anna });
    lime.setApiKey(TEST_API_KEY, { person: all, company: all, coworker: all, history: ['read', 'update'] });
    const error = await connectTo(lime)
      .deliver(summary, DELIVER)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'forbidden', status: 403, operation: 'POST limeobject/history' });
    expect(notesOf(lime, lars)).toHaveLength(0);

    lime.setApiKey(TEST_API_KEY, 'all');
    const retry = await connectTo(lime).deliver(summary, DELIVER);
    expect(retry.outcomes.filter((o) => o.personId !== undefined).map((o) => o.outcome)).toEqual([
      'updated',
      'written',
    ]);
    expect(notesOf(lime, anna)).toHaveLength(1);
    expect(notesOf(lime, lars)).toHaveLength(1);
  });

  it('a 503 from Lime is a CrmError with the status and Retry-After; nothing half-written stays wrong', async () => {
    const lime = await startLime();
    const { anna } = seedAcme(lime);
    const summary = buildSummary({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] });
    const connector = connectTo(lime);
    lime.failNext(1, { kind: 'status', status: 503, retryAfterSec: 7 });
    const error = await connector.deliver(summary, DELIVER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmError);
    expect(error).toMatchObject({ code: 'server_error', status: 503, retryAfterMs: 7000 });
    await connector.deliver(summary, DELIVER);
    expect(notesOf(lime, anna)).toHaveLength(1);
  });
  it('Lime’s own message is kept for the admin, but never the API key it may echo', async () => {
    const lime = await startLime();
    seedAcme(lime);
    const summary = buildSummary({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] });
    lime.failNext(1, {
      kind: 'status',
      status: 401,
      body: { error: 'Unauthorized', message: `Invalid API key ${TEST_API_KEY} for this application.` },
    });
    const error = await connectTo(lime)
      .deliver(summary, DELIVER)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unauthorized', detail: 'Invalid API key [API key] for this application.' });
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain(TEST_API_KEY);
  });
});

describe('Lime delivery: the customer’s data model', () => {
  it('the note is shortened to the note length Lime reports, with the marker', async () => {
    const model = coreModel();
    const note = model.limetypes['history']?.properties.find((p) => p.name === 'note');
    if (note) note.length = 1000;
    const lime = await startLime({ model });
    const { anna } = seedAcme(lime);
    const long = summaryOf(loadFixture('long-summary'));
    await deliverOnce(
      lime,
      { ...long, participants: [{ email: 'anna.andersson@acme.se', role: 'customer' }] },
      'long summary, 1000-char note',
    );
    const text = notesOf(lime, anna)[0]?.['note'] as string;
    expect(text.length).toBeLessThanOrEqual(1000);
    expect(text).toContain('[summary shortened — full text: https://');
  });

  it('renamed fields and a custom history type are used as configured', async () => {
    const model = coreModel();
    const person = model.limetypes['person'];
    const mobile = person?.properties.find((p) => p.name === 'mobilephone');
    if (mobile) mobile.name = 'cellphone';
    const type = model.limetypes['history']?.properties.find((p) => p.name === 'type');
    type?.options?.push({ id: 999001, key: 'dcisummary', text: 'DCI summary' });
    const lime = await startLime({ model });
    const bo = lime.insert('person', { firstname: 'Bo', cellphone: '070-111 22 33' });
    const connector = connectTo(lime, { historyType: 'dcisummary', fields: { person: { mobilephone: 'cellphone' } } });
    const report = await connector.deliver(
      buildSummary({ participants: [{ phone: '0701112233', role: 'customer' }] }),
      DELIVER,
    );
    expect(report.outcomes[0]).toMatchObject({ outcome: 'written', matchedBy: 'mobile', personId: bo });
    expect(notesOf(lime, bo)[0]).toMatchObject({ type: expect.objectContaining({ key: 'dcisummary' }) });
  });

  it('a configured field Lime does not have fails the delivery with schema_mismatch, naming it', async () => {
    const lime = await startLime();
    seedAcme(lime);
    const connector = connectTo(lime, { fields: { person: { mobilephone: 'cellphone' } } });
    const error = await connector.deliver(buildSummary(), DELIVER).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'schema_mismatch',
      message: expect.stringContaining('person has no property "cellphone"'),
    });
  });

  it('the note date is the delivery time by default, or the meeting start when configured', async () => {
    const lime = await startLime();
    const { anna } = seedAcme(lime);
    const summary = buildSummary({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] });
    await connectTo(lime).deliver(summary, { ...DELIVER, noteDate: 'meeting_start' });
    expect(Date.parse(notesOf(lime, anna)[0]?.['date'] as string)).toBe(Date.parse(summary.startsAt));
  });
});

describe('Lime delivery: our own note, and only ours', () => {
  it('a meeting whose id is the start of another meeting’s id gets its own note', async () => {
    const lime = await startLime();
    const { anna } = seedAcme(lime);
    const participants = [buildParticipant({ email: 'anna.andersson@acme.se' })];
    await connectTo(lime).deliver(buildSummary({ id: 'conv-10', participants }), DELIVER);
    const report = await connectTo(lime).deliver(buildSummary({ id: 'conv-1', participants }), DELIVER);
    expect(report.outcomes[0]?.outcome).toBe('written');
    const notes = notesOf(lime, anna);
    expect(notes).toHaveLength(2);
    expect(notes.map((note) => String(note['note']).split('\n').at(-1))).toEqual([
      referenceLine('conv-10'),
      referenceLine('conv-1'),
    ]);
  });

  it('a conversation id that differs only in case is another conversation', async () => {
    const lime = await startLime();
    const { anna } = seedAcme(lime);
    const participants = [buildParticipant({ email: 'anna.andersson@acme.se' })];
    await connectTo(lime).deliver(buildSummary({ id: 'ABC-1', participants }), DELIVER);
    await connectTo(lime).deliver(buildSummary({ id: 'abc-1', participants }), DELIVER);
    expect(notesOf(lime, anna)).toHaveLength(2);
  });
});

describe('Lime delivery: dry run (the admin pages show what would be written)', () => {
  const writes = (lime: LimeEmulator) =>
    lime.requests.filter(
      (request) => request.method === 'POST' || request.method === 'PUT' || request.method === 'DELETE',
    );

  it('a dry run matches as usual, writes nothing to Lime, and returns the note that would be written', async () => {
    const lime = await startLime();
    const { acme, anna, lars } = seedAcme(lime);
    const summary = summaryOf(loadFixture('meeting-with-colleagues'));
    lime.clearRequests();

    const report = await connectTo(lime).deliver(summary, { ...DELIVER, dryRun: true });

    expect(writes(lime)).toEqual([]);
    expect(lime.requests.length).toBeGreaterThan(0);
    expect(notesOf(lime, anna)).toEqual([]);
    expect(notesOf(lime, lars)).toEqual([]);
    expect(report.outcomes.map((o) => [o.participantIndex, o.outcome, o.matchedBy, o.personId])).toEqual([
      [0, 'internal', undefined, undefined],
      [1, 'would_write', 'email', anna],
      [2, 'would_write', 'mobile', lars],
      [3, 'internal', undefined, undefined],
      [4, 'internal', undefined, undefined],
    ]);
    expect(report.outcomes[1]).toMatchObject({ companyId: acme });
    expect(report.outcomes[1]?.noteId).toBeUndefined();
    expect(report.outcomes[1]?.trace).toMatch(/note would be written \(dry run: nothing written\)$/u);
    expect(report.preview?.title).toContain('Offer review — Acme');
    expect(report.preview?.text).toContain('Lars asked for SSO via Entra ID');
    expect(report.preview?.text).toContain(conversationReference(summary.conversationId));
  });

  it('a dry run after the note exists does not update it', async () => {
    const lime = await startLime();
    const { anna } = seedAcme(lime);
    const summary = buildSummary({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] });
    await connectTo(lime).deliver(summary, DELIVER);
    const before = notesOf(lime, anna);
    lime.clearRequests();

    const report = await connectTo(lime).deliver(summary, { ...DELIVER, dryRun: true });

    expect(writes(lime)).toEqual([]);
    expect(notesOf(lime, anna)).toEqual(before);
    expect(report.outcomes[0]).toMatchObject({ outcome: 'would_write', personId: anna });
  });

  it('with "Create contact in CRM" on, a dry run creates no company or person and says it would', async () => {
    const lime = await startLime();
    const summary = buildSummary({
      participants: [{ name: 'Nils Ny', email: 'nils@nykund.se', company: 'Nykund AB', role: 'customer' }],
    });
    lime.clearRequests();

    const report = await connectTo(lime).deliver(summary, { ...DELIVER, createMissingContacts: true, dryRun: true });

    expect(writes(lime)).toEqual([]);
    expect(lime.all('person')).toEqual([]);
    expect(lime.all('company')).toEqual([]);
    expect(report.outcomes[0]).toMatchObject({
      outcome: 'would_write',
      matchedBy: 'created',
      wouldCreate: { company: true, person: true },
    });
    expect(report.outcomes[0]?.created).toBeUndefined();
    expect(report.outcomes[0]?.trace).toContain('a person would be created');
    expect(report.preview?.text).toContain(conversationReference(summary.conversationId));
  });

  it('a dry run of a meeting with colleagues only still shows the note', async () => {
    const lime = await startLime();
    const summary = buildSummary({
      participants: [{ name: 'Sara Säljare', email: 'sara.saljare@seller.se', role: 'host' }],
    });

    const report = await connectTo(lime).deliver(summary, { ...DELIVER, dryRun: true });

    expect(report.outcomes.map((o) => o.outcome)).toEqual(['internal']);
    expect(report.preview?.text).toContain(conversationReference(summary.conversationId));
  });

  it('without dryRun the report has no preview', async () => {
    const lime = await startLime();
    seedAcme(lime);
    const summary = buildSummary({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] });
    expect((await connectTo(lime).deliver(summary, DELIVER)).preview).toBeUndefined();
  });
});

describe('Lime delivery: round trips', () => {
  function meetingWith(count: number, conversationId: string) {
    return buildSummary({
      id: conversationId,
      participants: Array.from({ length: count }, (_, i) =>
        buildParticipant({ email: `p${i}@acme.se`, name: `P ${i}` }),
      ),
    });
  }
  async function limeWithPersons(count: number) {
    const lime = await startLime();
    const acme = lime.insert('company', { name: 'Acme AB', phone: '08-555 000 00' });
    for (let i = 0; i < count; i += 1) {
      lime.insert('person', {
        firstname: `P${i}`,
        email: `p${i}@acme.se`,
        mobilephone: `070-100 00 ${String(i).padStart(2, '0')}`,
        company: acme,
      });
    }
    lime.insert('coworker', { firstname: 'Sara', email: 'sara@seller.se' });
    return lime;
  }

  it.each([1, 4, 10])(
    'a meeting with %i matched customers costs 1 + one call per note once schema and coworker are known',
    async (count) => {
      const lime = await limeWithPersons(count);
      const connector = connectTo(lime);
      await connector.deliver(meetingWith(1, `warm-up-${count}`), DELIVER);
      const report = await connector.deliver(meetingWith(count, `meeting-${count}`), {
        ...DELIVER,
        knownNotesComplete: true,
      });
      expect(report.outcomes.filter((o) => o.outcome === 'written')).toHaveLength(count);
      expect(report.apiCalls).toBe(1 + count);
      callsPerNote.push({ scenario: `${count} customers, warm`, apiCalls: report.apiCalls, notes: count });
    },
  );

  it('a cold coworker cache costs one more call; an unknown record of earlier notes one more search', async () => {
    const lime = await limeWithPersons(4);
    const connector = connectTo(lime);
    await connector.testConnection(); // schema known
    const report = await connector.deliver(meetingWith(4, 'cold'), DELIVER);
    expect(report.apiCalls).toBe(1 + 1 + 1 + 4); // coworker, candidates, our notes, four writes
  });

  it('a known note is updated directly; one deleted in Lime since is written anew', async () => {
    const lime = await limeWithPersons(2);
    const connector = connectTo(lime);
    const first = await connector.deliver(meetingWith(2, 'known'), DELIVER);
    const knownNotes = first.outcomes.map((o) => ({ personId: o.personId as number, noteId: o.noteId as number }));
    lime.remove('history', knownNotes[1]?.noteId as number);
    const again = await connector.deliver(meetingWith(2, 'known'), {
      ...DELIVER,
      knownNotes,
      knownNotesComplete: true,
    });
    expect(again.outcomes.map((o) => o.outcome)).toEqual(['updated', 'written']);
    expect(again.outcomes[0]?.noteId).toBe(knownNotes[0]?.noteId);
    expect(lime.all('history')).toHaveLength(2);
  });
});

describe('Lime delivery: many candidates', () => {
  it("a number shared by 120 persons does not push another participant's candidates out of the list", async () => {
    const lime = await startLime();
    lime.insert('person', { firstname: 'Anna', lastname: 'Old', email: 'anna@acme.se' });
    for (let i = 0; i < 120; i += 1) lime.insert('person', { firstname: `Staff${i}`, phone: '08-222 222 22' });
    const newer = lime.insert('person', {
      firstname: 'Anna',
      lastname: 'New',
      email: 'anna@acme.se',
      mobilephone: '070-123 45 67',
    });
    const summary = buildSummary({
      participants: [
        buildParticipant({ email: 'anna@acme.se', mobile_phone: '0701234567' }),
        { name: 'Caller', phone: '08-222 222 22', role: 'customer' },
      ],
    });
    const report = await connectTo(lime).deliver(summary, DELIVER);
    expect(report.outcomes[0]).toMatchObject({ outcome: 'written', personId: newer });
    expect(report.outcomes[0]?.trace).toContain("holding the participant's number");
    expect(report.outcomes[1]).toMatchObject({ outcome: 'ambiguous' });
    expect(report.outcomes[1]?.trace).toContain('held by 120 persons');
  });
});
