// The BASELINE the end-to-end benchmark compares against: what a straightforward integration does, as the Lime
// seed describes it (shared/seeds/000_…: e-mail first, then mobilephone, then phone; the note linked to person and
// company). For each external participant in turn: search by e-mail; if that finds no single person, by mobile
// phone, then by phone (one Query API call each, stopping at the first single hit); read the person's company;
// create the history note. No batching, no concurrency, no caching.
import { classifyParticipants, renderNote, type MeetingSummary } from '../src/core';
import { DEFAULT_FIELD_MAP, type LimeHttp } from '../src/lime-addon';
import { fieldsOf, idOf, runQuery } from '../src/lime-addon/limeQuery';

export interface BaselineReport {
  notesWritten: number;
  apiCalls: number;
}

interface Found {
  personId: number;
  companyId: number | undefined;
}

export async function deliverLikeBaseline(
  http: LimeHttp,
  summary: MeetingSummary,
  options: { internalDomains: string[]; defaultRegion: string; timeZone: string },
): Promise<BaselineReport> {
  const { person, company, history } = DEFAULT_FIELD_MAP;
  const callsBefore = http.callCount;
  const note = renderNote(summary, { timeZone: options.timeZone });
  const { external } = classifyParticipants(summary, {
    internalDomains: options.internalDomains,
    defaultRegion: options.defaultRegion,
  });
  const searchBy = async (key: string, value: string): Promise<Found | undefined> => {
    const objects = await runQuery(http, {
      limetype: person.limetype,
      responseFormat: { object: fieldsOf('_id', person.company) },
      filter: { key, op: '=', exp: value },
      limit: 2,
    });
    const [only] = objects;
    const personId = objects.length === 1 && only ? idOf(only['_id']) : undefined;
    return personId === undefined || only === undefined
      ? undefined
      : { personId, companyId: idOf(only[person.company]) };
  };

  let notesWritten = 0;
  for (const participant of external) {
    const phone = participant.phones[0]?.e164;
    let found = participant.email === undefined ? undefined : await searchBy(person.email, participant.email);
    if (found === undefined && phone !== undefined) found = await searchBy(person.mobilephone, phone);
    if (found === undefined && phone !== undefined) found = await searchBy(person.phone, phone);
    if (found === undefined) continue;

    const { personId, companyId } = found;
    if (companyId !== undefined) await http.getJson(`limeobject/${company.limetype}/${companyId}/`);
    await http.postJson(`limeobject/${history.limetype}/`, {
      [history.type]: 'comment',
      [history.note]: note.text,
      [history.person]: personId,
      [history.date]: new Date().toISOString(),
      ...(companyId === undefined ? {} : { [history.company]: companyId }),
    });
    notesWritten += 1;
  }
  return { notesWritten, apiCalls: http.callCount - callsBefore };
}
