// Runs the matching benchmark's participants through the product's real matching — core `deliverMeeting`, one meeting
// per participant, with a MeetingCrm whose candidate search answers as the receiver's contact index does for the Lime
// connector — and, in the same run, through an e-mail-only baseline; then scores both (matchingScore.ts).
// In-process, no HTTP: it measures the policy, not the transport. Nothing is written anywhere: writeNotes records what
// would be written.
import {
  companyDomainOf,
  deliverMeeting,
  hasNumberIndexMayMiss,
  numbersToLookUp,
  phoneWrittenForms,
  normalizeEmail,
  parseSummaryPayload,
  toE164,
  type ClassifiedParticipant,
  type CompanyCandidate,
  type MatchCandidates,
  type MeetingCrm,
  type MeetingPolicy,
  type MeetingSummary,
  type NoteTarget,
  type PersonCandidate,
} from '../src/core';
import type { ContactIndexEntry } from '../src/crm/crmConnector';
import { entryToCandidate, toEntry } from '../src/lime-addon/contactIndex';
import {
  generateMatchingDataSet,
  type DataSetSize,
  type LabelledParticipant,
  type MatchingDataSet,
} from './matchingDataSet';
import { scoreMatcher, type MatcherScore, type NoteWritten } from './matchingScore';

export const REGION = 'SE';
/** Participants run once, untimed, before the measured run. */
const WARM_UP = 1_000;
/** The seller's own domain: the presenter's, so no participant of the data set is a colleague by it. */
const SELLER_DOMAIN = 'seller.example';
/** As the Lime connector's findDomainPersons.ts: more persons at the domains and none counts as searched. */
const MAX_DOMAIN_PERSONS = 400;
/** As findSwitchboardCompanies.ts: more companies on the meeting's numbers and none is taken. */
const MAX_SWITCHBOARD_COMPANIES = 50;

/**
 * The receiver's contact index in memory: every CRM person normalized once, as a full sync stores it (Lime's
 * `toEntry`: e-mail lower-cased, every phone field and the company's main number read into E.164), looked up by
 * normalized e-mail and by E.164 in the mobile, phone and company-main columns — what `findContactCandidates`
 * answers from SQLite or PostgreSQL, here from maps so the benchmark measures matching, not the database.
 */
export class InMemoryContactIndex {
  private readonly byEmail = new Map<string, ContactIndexEntry[]>();
  private readonly byDomain = new Map<string, ContactIndexEntry[]>();
  private readonly byNumber = new Map<string, ContactIndexEntry[]>();
  private readonly companiesByMainNumber = new Map<string, CompanyCandidate[]>();
  readonly size: number;
  readonly withEmail: number;
  readonly withNumber: number;

  /**
   * `companies` (the CRM's companies with their main numbers) answer the switchboard search of companies nobody at
   * them holds the number of; without them only candidates' companies' main numbers are known.
   */
  constructor(entries: readonly ContactIndexEntry[], companies: readonly CompanyCandidate[] = []) {
    let withEmail = 0;
    let withNumber = 0;
    for (const company of companies) {
      const e164 = toE164(company.mainPhone, REGION);
      if (e164 === undefined) continue;
      const list = this.companiesByMainNumber.get(e164);
      if (list) list.push(company);
      else this.companiesByMainNumber.set(e164, [company]);
    }
    for (const entry of entries) {
      if (entry.email !== undefined) {
        withEmail += 1;
        push(this.byEmail, entry.email, entry);
        const at = entry.email.lastIndexOf('@');
        if (at >= 0) push(this.byDomain, entry.email.slice(at + 1), entry);
      }
      if (entry.mobileE164 !== undefined || entry.phoneE164 !== undefined) withNumber += 1;
      for (const number of new Set([entry.mobileE164, entry.phoneE164, entry.companyMainE164])) {
        if (number !== undefined) push(this.byNumber, number, entry);
      }
    }
    this.size = entries.length;
    this.withEmail = withEmail;
    this.withNumber = withNumber;
  }

  /** Entries with one of these normalized e-mails or E.164 numbers, each person once, by person id (as the SQL). */
  find(query: { emails: readonly string[]; phones: readonly string[] }): ContactIndexEntry[] {
    const found = new Map<string, ContactIndexEntry>();
    for (const email of query.emails)
      for (const entry of this.byEmail.get(email) ?? []) found.set(String(entry.personId), entry);
    for (const phone of query.phones)
      for (const entry of this.byNumber.get(phone) ?? []) found.set(String(entry.personId), entry);
    return [...found.values()].sort((a, b) => Number(a.personId) - Number(b.personId));
  }

  /**
   * Every entry with an e-mail at exactly one of these domains, as the Lime connector's live domain search answers
   * (findDomainPersons.ts); undefined when there are more than `max` (the domains then count as not searched).
   */
  findAtDomains(domains: readonly string[], max: number): ContactIndexEntry[] | undefined {
    const found = domains.flatMap((domain) => this.byDomain.get(domain) ?? []);
    return found.length > max ? undefined : found;
  }

  /** The companies whose main number is one of these E.164 numbers (findSwitchboardCompanies.ts's query). */
  findCompaniesByMainNumber(numbers: readonly string[]): CompanyCandidate[] {
    return numbers.flatMap((e164) => this.companiesByMainNumber.get(e164) ?? []);
  }

  /** The entries holding exactly this normalized e-mail (the baseline's one lookup). */
  findByEmail(email: string): readonly ContactIndexEntry[] {
    return this.byEmail.get(email) ?? [];
  }
}

function push(map: Map<string, ContactIndexEntry[]>, key: string, entry: ContactIndexEntry): void {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

/**
 * Lime's live search by phone as the connector asks it (findMeetingCandidates: the person's mobile or phone field
 * equal to one of the number's written forms, `phoneWrittenForms`), over the data set's records as written. The
 * connector adds it to the index's answer for participants the index cannot answer for (hasNumberIndexMayMiss).
 */
export class InMemoryLiveSearch {
  private readonly byWritten = new Map<string, PersonCandidate[]>();

  constructor(dataSet: MatchingDataSet) {
    for (const [person, candidate] of asLimeReads(dataSet)) {
      for (const written of new Set([person.mobilePhone, person.phone])) {
        if (written === undefined) continue;
        const list = this.byWritten.get(written);
        if (list) list.push(candidate);
        else this.byWritten.set(written, [candidate]);
      }
    }
  }

  /** Persons whose mobile or phone field is written exactly as one of the participant's numbers' forms. */
  findByNumbers(numbers: readonly string[]): PersonCandidate[] {
    const found = new Map<string, PersonCandidate>();
    for (const form of numbers.flatMap(phoneWrittenForms)) {
      for (const candidate of this.byWritten.get(form) ?? []) found.set(String(candidate.id), candidate);
    }
    return [...found.values()];
  }
}

/** The data set's CRM as a full sync puts it into the contact index (Lime's `toEntry`, region SE). */
export function contactIndexEntries(dataSet: MatchingDataSet): ContactIndexEntry[] {
  return asLimeReads(dataSet).map(([, candidate]) => toEntry(candidate, REGION));
}

/** Each of the data set's persons as Lime's person query reads them: the record as written, with its company's. */
function asLimeReads(dataSet: MatchingDataSet): Array<[MatchingDataSet['persons'][number], PersonCandidate]> {
  const companies = new Map(dataSet.companies.map((company) => [company.id, company]));
  return dataSet.persons.map((person) => {
    const company = companies.get(person.companyId);
    const candidate: PersonCandidate = {
      id: person.id,
      email: person.email,
      mobilePhone: person.mobilePhone,
      phone: person.phone,
      companyId: person.companyId,
      companyName: company?.name,
      companyMainPhone: company?.mainPhone,
      inactive: person.inactive,
      updatedAt: person.updatedAt,
    };
    return [person, candidate];
  });
}

/** The data set's CRM as the contact index holds it after a full sync. */
export function buildContactIndex(dataSet: MatchingDataSet): InMemoryContactIndex {
  return new InMemoryContactIndex(
    contactIndexEntries(dataSet),
    dataSet.companies.map((company) => ({ id: company.id, name: company.name, mainPhone: company.mainPhone })),
  );
}

/**
 * The meeting's candidates as the Lime connector with a contact index and company notes on finds them
 * (limeConnector.ts findCandidates): the index's persons for the e-mails and numbers; then the persons at the
 * domains of e-mails nobody holds (findDomainPersons.ts: the domain named only when every person there was read)
 * and the companies whose main number is a number no candidate holds (findSwitchboardCompanies.ts).
 */
export function indexCandidates(
  index: InMemoryContactIndex,
  participants: readonly ClassifiedParticipant[],
  internalDomains: readonly string[],
  live?: InMemoryLiveSearch | undefined,
): MatchCandidates {
  const indexed = index
    .find({
      emails: participants.flatMap((participant) => participant.email ?? []),
      phones: participants.flatMap((participant) => numbersToLookUp(participant, REGION)),
    })
    .map(entryToCandidate);
  // The connector's live check (confirmedIndexCandidates) for numbers the index cannot hold in every form; live
  // records win over the index's copies of the same persons.
  const unsure = participants.filter((participant) => hasNumberIndexMayMiss(participant, REGION));
  const confirmed = new Map(indexed.map((candidate) => [String(candidate.id), candidate]));
  if (live !== undefined && unsure.length > 0) {
    const numbers = unsure.flatMap((participant) => participant.phones.map(({ e164 }) => e164));
    for (const candidate of live.findByNumbers(numbers)) confirmed.set(String(candidate.id), candidate);
  }
  const persons = [...confirmed.values()];
  const heldEmails = new Set(persons.flatMap((person) => person.email ?? []));
  const domains = [
    ...new Set(
      participants.flatMap((participant) =>
        participant.email === undefined || heldEmails.has(participant.email)
          ? []
          : (companyDomainOf(participant.email, internalDomains) ?? []),
      ),
    ),
  ];
  const atDomains = domains.length === 0 ? undefined : index.findAtDomains(domains, MAX_DOMAIN_PERSONS);
  const byId = new Map(persons.map((person) => [String(person.id), person]));
  for (const entry of atDomains ?? []) byId.set(String(entry.personId), entryToCandidate(entry));
  // Over the persons before the domain's are added, as the connector runs both searches at once.
  const heldNumbers = new Set(
    persons.flatMap((person) =>
      [person.mobilePhone, person.phone, person.companyMainPhone].flatMap((raw) => toE164(raw, REGION) ?? []),
    ),
  );
  const numbers = [
    ...new Set(participants.flatMap((participant) => participant.phones.map((phone) => phone.e164))),
  ].filter((e164) => !heldNumbers.has(e164));
  const companies = index.findCompaniesByMainNumber(numbers);
  return {
    persons: [...byId.values()],
    ...(atDomains === undefined ? {} : { domainsSearched: domains }),
    ...(companies.length === 0 || companies.length > MAX_SWITCHBOARD_COMPANIES ? {} : { companies }),
  };
}

/** One meeting per participant: the documented webhook with the presenter and that one external participant. */
export function meetingPayload(index: number, { participant }: LabelledParticipant): unknown {
  return {
    event: 'conversation.completed',
    timestamp: '2026-11-20T10:05:00.000Z',
    data: {
      conversation: {
        id: `bench-${String(index).padStart(6, '0')}`,
        title: 'Follow-up call',
        date: '2026-11-20T09:00:00.000Z',
        duration: 900,
        medium: participant.email === undefined ? 'phone' : 'video',
        summary: 'The customer asked for a revised offer.',
        user: { id: 'u-1', name: 'Sara Säljare', email: `sara@${SELLER_DOMAIN}` },
        participants: [{ ...participant, role: 'customer' }],
      },
    },
    _meta: { token_prefix: 'mt_bench', delivery_id: `bench-delivery-${index}` },
  };
}

export interface ProductRun {
  /** What was noted for each participant (undefined: nothing). */
  notes: Array<NoteWritten | undefined>;
  /** The participant's outcome kind (`written`, `ambiguous`, `no_match` … and `company_note` once it exists). */
  outcomes: string[];
  /** The participant's matching trace, as the delivery page shows it. */
  traces: string[];
  /** deliverMeeting's time per participant (index lookup, matching, recording the note), microseconds. */
  micros: number[];
  /** Payloads the contract refused (none expected: a refused one is counted as "nothing written"). */
  refused: number;
}

/**
 * The product's matching: `deliverMeeting` per participant, contacts never created (the seed's default), company
 * notes asked for. The candidate search is the Lime connector's with a contact index: the meeting's e-mails and
 * E.164 numbers looked up in the index, its entries turned into candidates (`entryToCandidate`). The live
 * confirmation the connector adds (`confirmedIndexCandidates`) reads the same persons back from Lime; with an index
 * that is up to date, as here, it changes nothing, so it is left out.
 */
export async function runProductMatching(
  index: InMemoryContactIndex,
  summaries: ReadonlyArray<MeetingSummary | undefined>,
  live?: InMemoryLiveSearch,
): Promise<ProductRun> {
  const policy: MeetingPolicy = {
    internalDomains: [SELLER_DOMAIN],
    defaultRegion: REGION,
    createMissingContacts: false,
    companyNotes: true,
  };
  let noteIds = 0;
  let written: NoteTarget[] = [];
  const crm: MeetingCrm = {
    names: { crm: 'Lime', note: 'note' },
    findPresenter: () => Promise.resolve(undefined),
    candidates: {
      per: 'meeting',
      find: (participants) => Promise.resolve(indexCandidates(index, participants, policy.internalDomains, live)),
    },
    createContact: () => Promise.reject(new Error('the benchmark never creates contacts')),
    writeNotes: (targets) => {
      written = [...targets];
      return Promise.resolve(targets.map(() => ({ noteId: (noteIds += 1), action: 'created' as const })));
    },
  };

  const run: ProductRun = { notes: [], outcomes: [], traces: [], micros: [], refused: 0 };
  for (const summary of summaries) {
    if (summary === undefined) {
      run.refused += 1;
      run.notes.push(undefined);
      run.outcomes.push('refused');
      run.traces.push('');
      run.micros.push(0);
      continue;
    }
    written = [];
    const started = performance.now();
    const result = await deliverMeeting(summary, crm, policy);
    run.micros.push((performance.now() - started) * 1000);
    const outcome = result.outcomes.find((candidate) => candidate.participantIndex === 0);
    run.outcomes.push(outcome?.outcome ?? 'none');
    run.traces.push(outcome?.trace ?? '');
    run.notes.push(notedFor(written, outcome));
  }
  return run;
}

/**
 * What was written for the meeting's one participant: the note writeNotes received (a person's, or a company's once
 * company notes exist — any target with a company and no person), else an outcome that names a written note.
 */
function notedFor(
  written: readonly NoteTarget[],
  outcome:
    { noteId?: unknown; personId?: number | string | undefined; companyId?: number | string | undefined } | undefined,
): NoteWritten | undefined {
  const [target] = written;
  if (target !== undefined) return { personId: target.personId, companyId: target.companyId };
  if (outcome?.noteId === undefined) return undefined;
  return { personId: outcome.personId, companyId: outcome.companyId };
}

/**
 * The e-mail-only baseline: the participant's e-mail, normalized as the product normalizes it, looked up exactly in
 * the same index; a note when exactly one person has it, nothing otherwise (it never guesses either). No phones, no
 * tie-breaks, no companies.
 */
export function runEmailBaseline(
  index: InMemoryContactIndex,
  summaries: ReadonlyArray<MeetingSummary | undefined>,
): Array<NoteWritten | undefined> {
  return summaries.map((summary) => {
    const raw = summary?.participants[0]?.email;
    const email = raw === undefined ? undefined : normalizeEmail(raw);
    if (email === undefined) return undefined;
    const hits = index.findByEmail(email);
    const [only] = hits;
    return hits.length === 1 && only !== undefined ? { personId: only.personId, companyId: only.companyId } : undefined;
  });
}

export interface MatchingBenchmark {
  dataSet: MatchingDataSet;
  index: InMemoryContactIndex;
  /** Each participant's meeting as the payload contract read it (undefined: refused). */
  summaries: ReadonlyArray<MeetingSummary | undefined>;
  product: ProductRun;
  ours: MatcherScore;
  baseline: MatcherScore;
  timings: { generateMs: number; indexMs: number; parseMs: number; productMs: number; baselineMs: number };
  memory: { heapUsedMiB: number; rssMiB: number; maxRssMiB: number };
}

/** Generates the data set, builds the index, runs both matchers over every participant and scores them. */
export async function runMatchingBenchmark(size: DataSetSize, seed = 19): Promise<MatchingBenchmark> {
  const time = <T>(work: () => T): [T, number] => {
    const started = performance.now();
    const value = work();
    return [value, performance.now() - started];
  };
  const [dataSet, generateMs] = time(() => generateMatchingDataSet(size, seed));
  const [index, indexMs] = time(() => buildContactIndex(dataSet));
  const [summaries, parseMs] = time(() =>
    dataSet.participants.map((participant, position) => {
      const parsed = parseSummaryPayload(meetingPayload(position, participant));
      return parsed.ok ? parsed.summary : undefined;
    }),
  );
  // Warm-up, untimed: the first calls pay for JIT compilation and libphonenumber's metadata, not for matching.
  const live = new InMemoryLiveSearch(dataSet);
  await runProductMatching(index, summaries.slice(0, WARM_UP), live);
  const productStarted = performance.now();
  const product = await runProductMatching(index, summaries, live);
  const productMs = performance.now() - productStarted;
  const [baselineNotes, baselineMs] = time(() => runEmailBaseline(index, summaries));
  const MiB = 1024 * 1024;
  const usage = process.memoryUsage();
  return {
    dataSet,
    index,
    summaries,
    product,
    ours: scoreMatcher(dataSet.participants, product.notes),
    baseline: scoreMatcher(dataSet.participants, baselineNotes),
    timings: { generateMs, indexMs, parseMs, productMs, baselineMs },
    memory: {
      heapUsedMiB: usage.heapUsed / MiB,
      rssMiB: usage.rss / MiB,
      maxRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
    },
  };
}
