import { seedDemoData, startSuperOfficeEmulator, type SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { buildParticipant, buildPayload, loadFixture } from '../support/payloads';
import { buildSuperOfficeScript, webApiFor, runScript, withConfig } from '../support/superOfficeScript';

const TOKEN = 'test-token';
let script: string;
let so: SuperOfficeEmulator | undefined;

beforeAll(() => {
  script = withConfig(buildSuperOfficeScript(), 'internalDomains', "['seller.se']");
});
afterEach(() => so?.close());

async function tenant(options: { documentTemplates?: string[] } = {}): Promise<SuperOfficeEmulator> {
  so = await startSuperOfficeEmulator({ tokens: [TOKEN], ...options });
  seedDemoData(so);
  return so;
}

const run = (emulator: SuperOfficeEmulator, payload: unknown) =>
  runScript(script, webApiFor(emulator.baseUrl, TOKEN), { body: JSON.stringify(payload) });

const longMeeting = () => loadFixture('long-summary') as { data: { conversation: { summary: string } } };

describe('a summary longer than a SuperOffice follow-up holds', () => {
  it('a 12,000-character summary is kept in full: the follow-up keeps what fits and names the document that holds the rest', async () => {
    const emulator = await tenant();
    const payload = longMeeting();
    const summary = payload.data.conversation.summary;
    expect(summary.length).toBe(12_000);

    const answer = await run(emulator, payload);

    expect(answer.status).toBe(200);
    const appointments = emulator.appointments();
    const documents = emulator.documents();
    expect(appointments).toHaveLength(2);
    expect(documents).toHaveLength(2);
    for (const appointment of appointments) {
      const document = documents.find((row) => row.personId === appointment.personId);
      expect(document).toMatchObject({ contactId: appointment.contactId, associateId: appointment.associateId });
      expect(appointment.description.length).toBeLessThanOrEqual(2047);
      expect(appointment.description).toContain(`full text in the document "${document?.header ?? ''}"`);
      // Every character of the summary is in SuperOffice: the document holds it whole, in order.
      expect(document?.content).toContain(summary);
      expect(document?.name).toMatch(/\.txt$/u);
    }
  });

  it('with noteLanguage "sv", the follow-up and its document speak Swedish; the title and reference stay the same', async () => {
    so = await startSuperOfficeEmulator({ tokens: [TOKEN] });
    seedDemoData(so);
    const payload = longMeeting();
    const answer = await runScript(withConfig(script, 'noteLanguage', "'sv'"), webApiFor(so.baseUrl, TOKEN), {
      body: JSON.stringify(payload),
    });

    expect(answer.status).toBe(200);
    const appointments = so.appointments();
    expect(appointments).toHaveLength(2);
    for (const appointment of appointments) {
      const document = so.documents().find((row) => row.personId === appointment.personId);
      expect(appointment.description.length).toBeLessThanOrEqual(2047);
      expect(appointment.description).toMatch(/^Möte: 2026-\d\d-\d\d \d\d:\d\d/u);
      expect(appointment.description).toContain('\nDetaljer: sales · ');
      expect(appointment.description).toContain('\n\nDeltagare:\n');
      expect(appointment.description).toContain(' (presentatör)\n');
      expect(appointment.description).toContain('\n\nSammanfattning:\n');
      expect(appointment.description).toContain(
        `[sammanfattningen är förkortad — hela texten finns i dokumentet "${document?.header ?? ''}" på den här personen]`,
      );
      expect(appointment.description).not.toMatch(/Participants:|Summary:|full text/u);
      expect(appointment.description).toMatch(/\nDCI reference: dci-conversation:\S+$/u);
      expect(document?.header).toMatch(/^Conversation Summary \| /u);
      expect(document?.description).toBe('Hela mötessammanfattningen från DCI (uppföljningen har en förkortad).');
      expect(document?.content).toContain('\nSammanfattning:\n');
      expect(document?.content).toContain(payload.data.conversation.summary);
    }
  });

  it('a re-sent meeting updates the follow-ups and their documents and adds nothing', async () => {
    const emulator = await tenant();
    const payload = longMeeting();
    await run(emulator, payload);
    const first = { appointments: emulator.appointments(), documents: emulator.documents() };

    const revised = longMeeting();
    revised.data.conversation.summary = `Revised. ${revised.data.conversation.summary}`;
    const answer = await run(emulator, revised);

    expect(answer.status).toBe(200);
    expect(emulator.appointments().map((row) => row.appointmentId)).toEqual(
      first.appointments.map((row) => row.appointmentId),
    );
    const documents = emulator.documents();
    expect(documents.map((row) => row.documentId)).toEqual(first.documents.map((row) => row.documentId));
    for (const document of documents) expect(document.content).toContain(revised.data.conversation.summary);
    expect(emulator.foreignKeys().filter((key) => key.tableName === 'document')).toHaveLength(2);
  });

  it('a document a user marked Completed is still updated by a re-sent meeting, and stays Completed', async () => {
    const emulator = await tenant();
    await run(emulator, longMeeting());
    const documents = webApiFor(emulator.baseUrl, TOKEN).soApi.getDocumentAgent();
    for (const row of emulator.documents()) {
      const entity = await documents.getDocumentEntityAsync(row.documentId);
      entity.completed = 'Completed' as NonNullable<typeof entity.completed>;
      await documents.saveDocumentEntityAsync(entity);
    }

    const revised = longMeeting();
    revised.data.conversation.summary = `Revised. ${revised.data.conversation.summary}`;
    const answer = await run(emulator, revised);

    expect(answer.status).toBe(200);
    for (const document of emulator.documents()) {
      expect(document.completed).toBe('Completed');
      expect(document.content).toContain(revised.data.conversation.summary);
    }
  });

  it('a short summary creates no document', async () => {
    const emulator = await tenant();
    const answer = await run(
      emulator,
      buildPayload({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] }),
    );
    expect(answer.status).toBe(200);
    expect(emulator.appointments()).toHaveLength(1);
    expect(emulator.documents()).toEqual([]);
  });

  it('on a tenant without a document template the meeting is still written, and the follow-up says the full text was not kept', async () => {
    const emulator = await tenant({ documentTemplates: [] });
    const answer = await run(emulator, longMeeting());

    expect(answer.status).toBe(200);
    expect(emulator.documents()).toEqual([]);
    const appointments = emulator.appointments();
    expect(appointments).toHaveLength(2);
    for (const appointment of appointments) {
      expect(appointment.description.length).toBeLessThanOrEqual(2047);
      expect(appointment.description).toContain('not kept in SuperOffice, which has no document template');
    }
  });

  it('Test Integration passes but warns of the missing document template, with its fix', async () => {
    const emulator = await tenant({ documentTemplates: [] });
    const answer = await run(emulator, { event: 'integration.test' });

    // Meetings are still written (above), so the setup is not failed for it: a warning, named with its fix.
    expect(answer).toMatchObject({ status: 200, body: { ok: true, message: expect.stringMatching(/1 warning/u) } });
    expect(answer.body['problems']).toEqual([
      expect.objectContaining({
        check: 'document_template',
        blocking: false,
        fix: expect.stringContaining('Document templates'),
      }),
    ]);
  });

  it('when storing the content fails, no document is left behind and DCI gets a 500 to retry', async () => {
    const emulator = await tenant();
    emulator.setNewTableRight('document', ['Select', 'Insert', 'Delete']);
    const answer = await run(emulator, longMeeting());

    expect(answer.status).toBe(500);
    expect(emulator.documents()).toEqual([]);
    expect(emulator.foreignKeys().filter((key) => key.tableName === 'document')).toEqual([]);
  });
});

describe('the emulator is strict where SuperOffice keeps text', () => {
  const statusOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 200,
      (error: unknown) => (error as { response?: { status?: number } }).response?.status,
    );

  it('refuses a follow-up description over 2047 characters', async () => {
    const emulator = await tenant();
    const appointments = webApiFor(emulator.baseUrl, TOKEN).soApi.getAppointmentAgent();
    const entity = await appointments.createDefaultAppointmentEntityAsync();
    entity.description = 'x'.repeat(2048);
    expect(await statusOf(appointments.saveAppointmentEntityAsync(entity))).toBe(400);
    entity.description = 'x'.repeat(2047);
    expect(await statusOf(appointments.saveAppointmentEntityAsync(entity))).toBe(200);
  });

  it('stores a new document content once, and replaces it only when told to overwrite', async () => {
    const emulator = await tenant();
    const documents = webApiFor(emulator.baseUrl, TOKEN).soApi.getDocumentAgent();
    const entity = await documents.createDefaultDocumentEntityAsync();
    entity.header = 'Notes';
    entity.name = 'notes.txt';
    const saved = await documents.saveDocumentEntityAsync(entity);
    expect(await statusOf(documents.setDocumentStreamAsync(saved, 'första', true))).toBe(400);
    expect(await statusOf(documents.setDocumentStreamAsync(saved, 'första', false))).toBe(200);
    expect(await statusOf(documents.setDocumentStreamAsync(saved, 'andra', false))).toBe(400);
    expect(await statusOf(documents.setDocumentStreamAsync(saved, 'andra', true))).toBe(200);
    expect(emulator.documents()[0]?.content).toBe('andra');
  });
});
