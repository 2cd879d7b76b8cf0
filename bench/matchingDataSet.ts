// The matching benchmark's data set: a Nordic CRM (companies, persons) and meeting participants, each labelled with
// the truth — the person it is, "no person in the CRM but company X", or "nobody". Generated from a seed, so every run
// (and the fast test's small set) sees the same data. Numbers are made valid for their country and unique unless a
// case shares them on purpose (a team line, a switchboard, a duplicate record); the written forms are the ones people
// type into CRMs and calendars. The generator reads nothing the product decides: a label says who the participant is,
// never what the matching is expected to do.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type Country = 'SE' | 'NO' | 'DK' | 'FI';

export interface BenchCompany {
  id: number;
  name: string;
  country: Country;
  /** The domain its persons' e-mails are at: its own, or a free-mail provider's for a small firm without one. */
  domain: string;
  freeMail: boolean;
  /** The switchboard, as written in the CRM, and its E.164 (the truth). */
  mainPhone: string;
  mainE164: string;
}

export interface BenchPerson {
  id: number;
  companyId: number;
  firstName: string;
  lastName: string;
  /** As stored in the CRM (case varies). */
  email?: string | undefined;
  /** As stored in the CRM: free text in one of many written forms. */
  mobilePhone?: string | undefined;
  phone?: string | undefined;
  /** The numbers' truth, for building participants (never handed to the matcher). */
  mobileE164?: string | undefined;
  phoneE164?: string | undefined;
  /** The extension written after a switchboard number in `phone`. */
  phoneExtension?: string | undefined;
  inactive: boolean;
  updatedAt: string;
}

/** Who a participant really is. */
export type Truth =
  /** A person in the CRM: any of `personIds` (records of the same human) at `companyId`. */
  | { kind: 'person'; personIds: readonly number[]; companyId: number }
  /** Not in the CRM as a person, but from this company. */
  | { kind: 'company'; companyId: number }
  /** Nobody the CRM knows. */
  | { kind: 'nobody' };

/** A participant as DCI sends it (the payload's wire field names). */
export interface WireParticipant {
  name?: string;
  email?: string;
  phone?: string;
  mobile_phone?: string;
  company?: string;
}

export interface LabelledParticipant {
  kind: CaseKind;
  participant: WireParticipant;
  truth: Truth;
}

/** The case kinds, their share of the participants, and what each one is. */
export const CASE_KINDS = {
  email_exact: { share: 25, what: 'a CRM person, the e-mail as the CRM has it (its case aside)' },
  email_alias: {
    share: 8,
    what: 'a CRM person, the e-mail written otherwise: upper case, `<mailto:…>`, `<…>`, spaces around',
  },
  email_plus: { share: 2, what: 'a CRM person, a plus-address (`anna+dci@acme.se`) of the stored e-mail, no phone' },
  mobile_only: { share: 12, what: 'a CRM person calling from their mobile (another written form), no e-mail' },
  mobile_nordic: {
    share: 4,
    what: 'a CRM person at a Norwegian, Danish or Finnish company, calling from their mobile (international form); the CRM holds it international or, for some, national only',
  },
  phone_direct: { share: 4, what: 'a CRM person calling from their direct landline, no e-mail' },
  new_email_known_mobile: {
    share: 5,
    what: 'a CRM person with an e-mail the CRM does not have (private) and their mobile',
  },
  duplicate_person: {
    share: 4,
    what: 'a CRM person stored twice (same e-mail, same mobile, both active): either record is right',
  },
  inactive_duplicate: {
    share: 3,
    what: 'a CRM person stored twice, one record inactive (same e-mail): either record is right',
  },
  shared_mailbox: {
    share: 3,
    what: 'the same e-mail on two different persons of one company (`info@…`); the participant is one of them (half also give their own mobile)',
  },
  team_line: { share: 4, what: 'a CRM person calling from a team line that 2–5 persons of the company hold as phone' },
  switchboard_person: { share: 4, what: "a CRM person calling through their company's switchboard (main number)" },
  switchboard_new: { share: 3, what: "someone not in the CRM calling through a company's switchboard" },
  switchboard_extension: {
    share: 1,
    what: 'a CRM person whose phone is the switchboard plus an extension, calling from that (`08-555 123 00 ankn. 123`)',
  },
  new_at_company_domain: {
    share: 8,
    what: "someone not in the CRM with an e-mail at a company's own domain",
  },
  freemail_customer: { share: 3, what: 'a CRM person whose stored e-mail is a free-mail one (gmail, telia.com …)' },
  freemail_unknown: {
    share: 3,
    what: 'someone not in the CRM with a free-mail e-mail (some at telia.com, which in the CRM only one firm uses)',
  },
  unknown: { share: 4, what: 'nobody the CRM knows: an unknown corporate e-mail and/or an unknown number' },
} as const satisfies Record<string, { share: number; what: string }>;

export type CaseKind = keyof typeof CASE_KINDS;

export const CASE_KIND_NAMES = Object.keys(CASE_KINDS) as CaseKind[];

export interface DataSetSize {
  persons: number;
  companies: number;
  participants: number;
}

/** The size, and the fast test's. */
export const FULL_SIZE: DataSetSize = { persons: 50_000, companies: 2_000, participants: 10_000 };
export const QUICK_SIZE: DataSetSize = { persons: 2_000, companies: 100, participants: 600 };

export interface MatchingDataSet {
  seed: number;
  size: DataSetSize;
  companies: BenchCompany[];
  persons: BenchPerson[];
  participants: LabelledParticipant[];
  /** How many CRM records each trap added (for the report). */
  traps: { duplicatePersons: number; inactiveDuplicates: number; sharedMailboxes: number; teamLines: number };
}

/** mulberry32: a small, fast, seedable generator (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const FIRST_NAMES = [
  'Anna',
  'Eva',
  'Maria',
  'Karin',
  'Sara',
  'Lena',
  'Emma',
  'Ingrid',
  'Sofia',
  'Kristina',
  'Elin',
  'Johanna',
  'Lars',
  'Erik',
  'Per',
  'Karl',
  'Anders',
  'Johan',
  'Nils',
  'Mikael',
  'Jonas',
  'Björn',
  'Åsa',
  'Örjan',
  'Ola',
  'Kari',
  'Sigrid',
  'Mette',
  'Søren',
  'Jens',
  'Freja',
  'Mikko',
  'Aino',
  'Jukka',
  'Päivi',
  'Eero',
];
const LAST_NAMES = [
  'Andersson',
  'Johansson',
  'Karlsson',
  'Nilsson',
  'Eriksson',
  'Larsson',
  'Olsson',
  'Persson',
  'Svensson',
  'Gustafsson',
  'Pettersson',
  'Jonsson',
  'Lindberg',
  'Lindström',
  'Åkesson',
  'Öberg',
  'Hansen',
  'Johansen',
  'Olsen',
  'Berg',
  'Haugen',
  'Jensen',
  'Nielsen',
  'Pedersen',
  'Sørensen',
  'Møller',
  'Korhonen',
  'Virtanen',
  'Mäkinen',
  'Nieminen',
  'Lehtonen',
  'Hämäläinen',
];
const STEMS = [
  'Norr',
  'Syd',
  'Berg',
  'Sjö',
  'Fjäll',
  'Ek',
  'Lund',
  'Vik',
  'Dal',
  'Strand',
  'Kvarn',
  'Älv',
  'Skog',
  'Hav',
  'Ö',
  'Fjord',
  'Nord',
  'Vest',
  'Sol',
  'Ljus',
];
const TRADES = [
  'bygg',
  'data',
  'konsult',
  'frakt',
  'el',
  'mat',
  'design',
  'invest',
  'logistik',
  'tech',
  'vård',
  'media',
  'fastighet',
  'energi',
  'rör',
  'måleri',
  'revision',
  'säkerhet',
  'verkstad',
  'handel',
];
const LEGAL_FORM: Record<Country, string> = { SE: 'AB', NO: 'AS', DK: 'ApS', FI: 'Oy' };
const TLD: Record<Country, string> = { SE: 'se', NO: 'no', DK: 'dk', FI: 'fi' };
const CALLING_CODE: Record<Country, string> = { SE: '46', NO: '47', DK: '45', FI: '358' };
/** Free-mail providers shared by several small firms' persons; `telia.com` is held by one firm only (a trap). */
const SHARED_FREE_MAIL = ['gmail.com', 'hotmail.com', 'outlook.com', 'hotmail.se', 'icloud.com', 'live.se'];
const SINGLE_FIRM_FREE_MAIL = 'telia.com';
const DK_MOBILE_PREFIXES = [
  '20',
  '21',
  '22',
  '23',
  '24',
  '25',
  '26',
  '27',
  '28',
  '29',
  '30',
  '31',
  '40',
  '41',
  '42',
  '50',
  '51',
  '52',
  '53',
  '60',
  '61',
  '71',
  '81',
  '91',
  '92',
  '93',
];
const SHARED_MAILBOXES = ['info', 'order', 'kontakt', 'kundservice', 'ekonomi'];

/** Builds the data set: the same seed and size always give the same companies, persons and participants. */
export function generateMatchingDataSet(size: DataSetSize, seed = 19): MatchingDataSet {
  const random = seededRandom(seed);
  const int = (below: number) => Math.floor(random() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const chance = (p: number) => random() < p;
  const digits = (count: number) => Array.from({ length: count }, () => String(int(10))).join('');

  const usedNumbers = new Set<string>();
  const usedEmails = new Set<string>();
  const usedDomains = new Set<string>();
  const usedNames = new Set<string>();

  /** A new valid number of the country and kind, never handed out before (E.164). */
  const newNumber = (country: Country, kind: 'mobile' | 'landline'): string => {
    for (let attempt = 0; attempt < 1000; attempt += 1) {
      const e164 = `+${CALLING_CODE[country]}${nationalNumber(country, kind)}`;
      if (usedNumbers.has(e164)) continue;
      const parsed = parsePhoneNumberFromString(e164);
      if (!parsed?.isValid() || parsed.number !== e164) continue;
      // Denmark's numbering plan does not tell mobiles from landlines (FIXED_LINE_OR_MOBILE).
      const type = parsed.getType();
      if (type !== 'FIXED_LINE_OR_MOBILE' && type !== (kind === 'mobile' ? 'MOBILE' : 'FIXED_LINE')) continue;
      usedNumbers.add(e164);
      return e164;
    }
    throw new Error(`no free ${country} ${kind} number found`);
  };
  function nationalNumber(country: Country, kind: 'mobile' | 'landline'): string {
    switch (country) {
      case 'SE':
        return kind === 'mobile'
          ? `7${pick(['0', '2', '3', '6'])}${digits(7)}`
          : chance(0.6)
            ? `8${1 + int(9)}${digits(6)}`
            : `31${1 + int(9)}${digits(5)}`;
      case 'NO':
        return kind === 'mobile' ? `${pick(['4', '9'])}${digits(7)}` : `2${pick(['2', '3'])}${digits(6)}`;
      case 'DK':
        return kind === 'mobile' ? `${pick(DK_MOBILE_PREFIXES)}${digits(6)}` : `3${3 + int(4)}${digits(6)}`;
      case 'FI':
        return kind === 'mobile' ? `${pick(['40', '50'])}${digits(7)}` : `9${1 + int(9)}${digits(6)}`;
    }
  }

  // ---- companies ----
  const companies: BenchCompany[] = [];
  let freeMailFirms = 0;
  for (let c = 0; c < size.companies; c += 1) {
    const country: Country = chance(0.7) ? 'SE' : pick(['NO', 'DK', 'FI'] as const);
    let stem = `${pick(STEMS)}${pick(TRADES)}`;
    for (let n = 2; usedNames.has(`${stem}|${country}`); n += 1) stem = `${pick(STEMS)}${pick(TRADES)}${n}`;
    usedNames.add(`${stem}|${country}`);
    const name = `${stem} ${LEGAL_FORM[country]}`;
    // About 3 % are small firms whose persons use free-mail; the first of them is the only telia.com firm.
    const freeMail = c % 33 === 5;
    let domain: string;
    if (freeMail) {
      domain = freeMailFirms === 0 ? SINGLE_FIRM_FREE_MAIL : pick(SHARED_FREE_MAIL);
      freeMailFirms += 1;
    } else {
      domain = `${slug(stem)}.${TLD[country]}`;
      for (let n = 2; usedDomains.has(domain); n += 1) domain = `${slug(stem)}${n}.${TLD[country]}`;
      usedDomains.add(domain);
    }
    const mainE164 = newNumber(country, 'landline');
    companies.push({
      id: 100_001 + c,
      name,
      country,
      domain,
      freeMail,
      mainPhone: writeNumber(mainE164, pick(crmForms(country, 'landline')), 'växel'),
      mainE164,
    });
  }

  // ---- persons: every company has one, the rest skewed towards the big customers ----
  const persons: BenchPerson[] = [];
  const byCompany = new Map<number, BenchPerson[]>();
  const timestamp = () => {
    const millis = Date.UTC(2024, 0, 1) + int(3 * 365 * 24 * 3600) * 1000;
    return `${new Date(millis).toISOString().slice(0, 19)}.${String(int(1_000_000)).padStart(6, '0')}+00:00`;
  };
  const emailFor = (first: string, last: string, company: BenchCompany): string => {
    const local = `${slug(first)}.${slug(last)}`;
    let email = company.freeMail ? `${local}${10 + int(90)}@${company.domain}` : `${local}@${company.domain}`;
    for (let n = 2; usedEmails.has(email); n += 1) email = `${local}${n}@${company.domain}`;
    usedEmails.add(email);
    return email;
  };
  const addPerson = (person: Omit<BenchPerson, 'id'>): BenchPerson => {
    const stored = { ...person, id: persons.length + 1 };
    persons.push(stored);
    const list = byCompany.get(stored.companyId) ?? [];
    list.push(stored);
    byCompany.set(stored.companyId, list);
    return stored;
  };
  const companyById = new Map(companies.map((company) => [company.id, company]));
  for (let i = 0; i < size.persons; i += 1) {
    const company =
      i < size.companies
        ? (companies[i] as BenchCompany)
        : (companies[int(size.companies * random() ** 0.5 * random())] as BenchCompany);
    const firstName = pick(FIRST_NAMES);
    const lastName = pick(LAST_NAMES);
    const email = chance(0.9) ? storedCase(emailFor(firstName, lastName, company), random) : undefined;
    const mobileE164 = chance(0.8) ? newNumber(company.country, 'mobile') : undefined;
    const phoneE164 = chance(0.3) ? newNumber(company.country, 'landline') : undefined;
    addPerson({
      companyId: company.id,
      firstName,
      lastName,
      email,
      mobileE164,
      mobilePhone:
        mobileE164 === undefined
          ? undefined
          : writeNumber(mobileE164, pick(crmForms(company.country, 'mobile')), 'mobil'),
      phoneE164,
      phone:
        phoneE164 === undefined
          ? undefined
          : writeNumber(phoneE164, pick(crmForms(company.country, 'landline')), 'direkt'),
      inactive: chance(0.03),
      updatedAt: timestamp(),
    });
  }
  const original = [...persons];
  const candidatesWhere = (test: (person: BenchPerson) => boolean) => original.filter(test);
  const taken = new Set<number>();
  const take = (pool: readonly BenchPerson[]): BenchPerson | undefined => {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const person = pick(pool);
      if (person && !taken.has(person.id)) {
        taken.add(person.id);
        return person;
      }
    }
    return undefined;
  };

  // Switchboard plus extension: some persons' phone is their company's main number with an extension.
  const withExtension: BenchPerson[] = [];
  for (const person of candidatesWhere(
    (p) => p.phone === undefined && companyById.get(p.companyId)?.country === 'SE',
  )) {
    if (withExtension.length >= Math.ceil(size.persons * 0.02)) break;
    if (!chance(0.1)) continue;
    const company = companyById.get(person.companyId) as BenchCompany;
    person.phoneExtension = String(100 + int(900));
    person.phoneE164 = company.mainE164;
    person.phone = `${writeNumber(company.mainE164, 'national', '')} ankn. ${person.phoneExtension}`;
    withExtension.push(person);
    taken.add(person.id);
  }

  // Team lines: 2–5 persons of one company hold the same number as their phone.
  const teamLines: Array<{ e164: string; holders: BenchPerson[] }> = [];
  for (const company of companies) {
    const staff = (byCompany.get(company.id) ?? []).filter((p) => p.phone === undefined && !taken.has(p.id));
    if (staff.length < 6 || !chance(0.25)) continue;
    const e164 = newNumber(company.country, 'landline');
    const holders = staff.slice(0, 2 + int(4));
    for (const holder of holders) {
      holder.phoneE164 = e164;
      holder.phone = writeNumber(e164, pick(crmForms(company.country, 'landline')), 'direkt');
      taken.add(holder.id);
    }
    teamLines.push({ e164, holders });
  }

  // Shared mailboxes: two different persons of one company given the same e-mail.
  const sharedMailboxes: Array<[BenchPerson, BenchPerson]> = [];
  for (const company of companies) {
    if (sharedMailboxes.length >= Math.ceil(size.persons * 0.004)) break;
    const staff = (byCompany.get(company.id) ?? []).filter((p) => !taken.has(p.id) && p.mobileE164 !== undefined);
    if (company.freeMail || staff.length < 4 || !chance(0.3)) continue;
    const [a, b] = staff;
    if (!a || !b) continue;
    const mailbox = `${pick(SHARED_MAILBOXES)}@${company.domain}`;
    if (usedEmails.has(mailbox)) continue;
    usedEmails.add(mailbox);
    a.email = mailbox;
    b.email = storedCase(mailbox, random);
    a.inactive = false;
    b.inactive = false;
    taken.add(a.id);
    taken.add(b.id);
    sharedMailboxes.push([a, b]);
  }

  // The same person twice: a second record with the same e-mail (its case may differ) and mobile (another form).
  const duplicates: Array<[BenchPerson, BenchPerson]> = [];
  const inactiveDuplicates: Array<[BenchPerson, BenchPerson]> = [];
  const twins = candidatesWhere((p) => p.email !== undefined && p.mobileE164 !== undefined && !p.inactive);
  for (const [list, count, inactive] of [
    [duplicates, Math.ceil(size.persons * 0.01), false],
    [inactiveDuplicates, Math.ceil(size.persons * 0.008), true],
  ] as const) {
    while (list.length < count) {
      const person = take(twins);
      if (!person) break;
      const company = companyById.get(person.companyId) as BenchCompany;
      const twin = addPerson({
        ...person,
        email: storedCase((person.email ?? '').toLowerCase(), random),
        mobilePhone: writeNumber(person.mobileE164 ?? '', pick(crmForms(company.country, 'mobile')), 'mobil'),
        inactive,
        updatedAt: timestamp(),
      });
      taken.add(twin.id);
      list.push([person, twin]);
    }
  }

  // ---- participants ----
  const mix = CASE_KIND_NAMES.flatMap((kind) =>
    Array.from({ length: Math.round((CASE_KINDS[kind].share / 100) * size.participants) }, () => kind),
  );
  const plain = original.filter((p) => !taken.has(p.id));
  const ownDomainCompanies = companies.filter((company) => !company.freeMail);
  const nordic = plain.filter((p) => companyById.get(p.companyId)?.country !== 'SE' && p.mobileE164 !== undefined);
  /** Half the time DCI names the participant's company (as the CRM has it, or in upper case). */
  const participantCompany = (person: BenchPerson): { company?: string } => {
    if (!chance(0.5)) return {};
    const name = (companyById.get(person.companyId) as BenchCompany).name;
    return { company: chance(0.5) ? name : name.toUpperCase() };
  };
  const nameOf = (person: BenchPerson) => `${person.firstName} ${person.lastName}`;
  const personTruth = (records: readonly BenchPerson[]): Truth => ({
    kind: 'person',
    personIds: records.map((record) => record.id),
    companyId: (records[0] as BenchPerson).companyId,
  });
  const someone = (pool: readonly BenchPerson[], test: (p: BenchPerson) => boolean): BenchPerson => {
    for (let attempt = 0; attempt < 10_000; attempt += 1) {
      const person = pick(pool);
      if (person && test(person)) return person;
    }
    throw new Error('the data set has no person for this case');
  };
  const newEmail = (domain: string) => {
    let email = `${slug(pick(FIRST_NAMES))}.${slug(pick(LAST_NAMES))}${int(1000)}@${domain}`;
    while (usedEmails.has(email)) email = `x${email}`;
    usedEmails.add(email);
    return email;
  };

  const participants: LabelledParticipant[] = [];
  for (const kind of mix) {
    participants.push(participantOf(kind));
  }
  return {
    seed,
    size,
    companies,
    persons,
    participants,
    traps: {
      duplicatePersons: duplicates.length,
      inactiveDuplicates: inactiveDuplicates.length,
      sharedMailboxes: sharedMailboxes.length,
      teamLines: teamLines.length,
    },
  };

  function participantOf(kind: CaseKind): LabelledParticipant {
    switch (kind) {
      case 'email_exact': {
        const person = someone(plain, (p) => p.email !== undefined && !companyById.get(p.companyId)?.freeMail);
        return {
          kind,
          participant: {
            name: nameOf(person),
            email: (person.email ?? '').toLowerCase(),
            ...participantCompany(person),
          },
          truth: personTruth([person]),
        };
      }
      case 'email_alias': {
        const person = someone(plain, (p) => p.email !== undefined);
        const email = (person.email ?? '').toLowerCase();
        const written = pick([
          email.toUpperCase(),
          `<mailto:${email}>`,
          `<${email}>`,
          `  ${capitalised(email)} `,
          `mailto:${email}`,
        ]);
        return { kind, participant: { name: nameOf(person), email: written }, truth: personTruth([person]) };
      }
      case 'email_plus': {
        const person = someone(plain, (p) => p.email !== undefined && !companyById.get(p.companyId)?.freeMail);
        const [local, domain] = (person.email ?? '').toLowerCase().split('@');
        return {
          kind,
          participant: { name: nameOf(person), email: `${local}+${pick(['dci', 'crm', 'meet'])}@${domain}` },
          truth: personTruth([person]),
        };
      }
      case 'mobile_only': {
        const person = someone(
          plain,
          (p) => p.mobileE164 !== undefined && companyById.get(p.companyId)?.country === 'SE',
        );
        return {
          kind,
          participant: {
            name: nameOf(person),
            mobile_phone: writeNumber(person.mobileE164 ?? '', pick(participantForms('SE')), 'mobil'),
          },
          truth: personTruth([person]),
        };
      }
      case 'mobile_nordic': {
        const person = pick(nordic);
        const country = (companyById.get(person.companyId) as BenchCompany).country;
        return {
          kind,
          participant: {
            name: nameOf(person),
            mobile_phone: writeNumber(person.mobileE164 ?? '', pick(participantForms(country)), 'mobil'),
          },
          truth: personTruth([person]),
        };
      }
      case 'phone_direct': {
        const person = someone(plain, (p) => p.phoneE164 !== undefined && p.phoneExtension === undefined);
        const country = (companyById.get(person.companyId) as BenchCompany).country;
        return {
          kind,
          participant: {
            name: nameOf(person),
            phone: writeNumber(person.phoneE164 ?? '', pick(participantForms(country)), ''),
          },
          truth: personTruth([person]),
        };
      }
      case 'new_email_known_mobile': {
        const person = someone(
          plain,
          (p) => p.mobileE164 !== undefined && companyById.get(p.companyId)?.country === 'SE',
        );
        return {
          kind,
          participant: {
            name: nameOf(person),
            email: newEmail(pick(SHARED_FREE_MAIL)),
            mobile_phone: writeNumber(person.mobileE164 ?? '', pick(participantForms('SE')), 'mobil'),
          },
          truth: personTruth([person]),
        };
      }
      case 'duplicate_person':
      case 'inactive_duplicate': {
        const pair = pick(kind === 'duplicate_person' ? duplicates : inactiveDuplicates);
        const [person] = pair;
        const withMobile = chance(0.5);
        return {
          kind,
          participant: {
            name: nameOf(person),
            email: (person.email ?? '').toLowerCase(),
            ...(withMobile
              ? { mobile_phone: writeNumber(person.mobileE164 ?? '', pick(participantForms('SE')), 'mobil') }
              : {}),
          },
          truth: personTruth(pair),
        };
      }
      case 'shared_mailbox': {
        const pair = pick(sharedMailboxes);
        const person = chance(0.5) ? pair[0] : pair[1];
        return {
          kind,
          participant: {
            name: nameOf(person),
            email: (person.email ?? '').toLowerCase(),
            ...(chance(0.5) ? { mobile_phone: writeNumber(person.mobileE164 ?? '', 'e164', '') } : {}),
          },
          truth: personTruth([person]),
        };
      }
      case 'team_line': {
        const line = pick(teamLines);
        const person = pick(line.holders);
        return {
          kind,
          participant: { name: nameOf(person), phone: writeNumber(line.e164, 'e164', '') },
          truth: personTruth([person]),
        };
      }
      case 'switchboard_person': {
        const person = pick(plain);
        const company = companyById.get(person.companyId) as BenchCompany;
        return {
          kind,
          participant: {
            name: nameOf(person),
            phone: writeNumber(company.mainE164, pick(participantForms(company.country)), ''),
          },
          truth: personTruth([person]),
        };
      }
      case 'switchboard_new': {
        const company = pick(companies);
        return {
          kind,
          participant: {
            name: `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`,
            phone: writeNumber(company.mainE164, pick(participantForms(company.country)), ''),
          },
          truth: { kind: 'company', companyId: company.id },
        };
      }
      case 'switchboard_extension': {
        const person = pick(withExtension);
        return {
          kind,
          participant: {
            name: nameOf(person),
            phone: `${writeNumber(person.phoneE164 ?? '', 'national', '')} ankn. ${person.phoneExtension ?? ''}`,
          },
          truth: personTruth([person]),
        };
      }
      case 'new_at_company_domain': {
        const company = pick(ownDomainCompanies);
        return {
          kind,
          participant: {
            name: `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`,
            email: newEmail(company.domain),
            company: company.name,
          },
          truth: { kind: 'company', companyId: company.id },
        };
      }
      case 'freemail_customer': {
        const person = someone(plain, (p) => p.email !== undefined && companyById.get(p.companyId)?.freeMail === true);
        return {
          kind,
          participant: { name: nameOf(person), email: (person.email ?? '').toLowerCase() },
          truth: personTruth([person]),
        };
      }
      case 'freemail_unknown':
        return {
          kind,
          participant: {
            name: `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`,
            email: newEmail(chance(0.4) ? SINGLE_FIRM_FREE_MAIL : pick(SHARED_FREE_MAIL)),
          },
          truth: { kind: 'nobody' },
        };
      case 'unknown': {
        const country: Country = pick(['SE', 'SE', 'NO', 'DK', 'FI'] as const);
        const number = writeNumber(
          newNumber(country, chance(0.5) ? 'mobile' : 'landline'),
          pick(participantForms(country)),
          '',
        );
        const email = newEmail(`${slug(pick(STEMS))}${int(100_000)}.${TLD[country]}`);
        const which = int(3);
        return {
          kind,
          participant: {
            name: `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`,
            ...(which !== 1 ? { email } : {}),
            ...(which !== 0 ? { phone: number } : {}),
          },
          truth: { kind: 'nobody' },
        };
      }
    }
  }
}

/** How a number is written. `national-only` drops the country code (unreadable outside its country's region). */
export type WrittenForm =
  | 'e164'
  | 'international'
  | 'international (0)'
  | '00'
  | '00 spaced'
  | 'bare country code'
  | 'national'
  | 'national spaced'
  | 'national digits'
  | 'national slash'
  | 'labelled'
  | 'national-only';

/** The forms a CRM holds numbers in: Swedish ones any way, foreign ones mostly international, some national only. */
function crmForms(country: Country, kind: 'mobile' | 'landline'): readonly WrittenForm[] {
  if (country !== 'SE') return ['international', 'international', '00', 'e164', 'national-only'];
  return kind === 'mobile'
    ? [
        'national',
        'international (0)',
        '00',
        'labelled',
        'national slash',
        'e164',
        'national digits',
        'national spaced',
        '00 spaced',
      ]
    : ['national', 'international', 'national spaced', '00 spaced', 'labelled', 'international (0)'];
}

/** The forms DCI might send a participant's number in (telephony sends E.164 or national digits). */
function participantForms(country: Country): readonly WrittenForm[] {
  if (country !== 'SE') return ['e164', 'international', '00'];
  return ['e164', 'e164', 'national digits', 'national', 'bare country code', '00', 'international (0)', 'labelled'];
}

/** Writes an E.164 number the way `form` says ("070-123 45 67", "+46 (0)70 123 45 67", "mobil 070 1234567" …). */
export function writeNumber(e164: string, form: WrittenForm, label: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) throw new Error('not a number');
  const code = parsed.countryCallingCode;
  const significant = parsed.nationalNumber;
  const national = parsed.formatNational(); // "070-123 45 67", Norwegian "412 34 567"
  const international = parsed.formatInternational(); // "+46 70 123 45 67"
  const afterCode = international.slice(`+${code} `.length);
  const nationalDigits = national.replace(/\D/gu, '');
  switch (form) {
    case 'e164':
      return e164;
    case 'international':
      return international;
    case 'international (0)':
      return national.startsWith('0') ? `+${code} (0)${afterCode}` : international;
    case '00':
      return `00${code}${significant}`;
    case '00 spaced':
      return `00${code} ${afterCode}`;
    case 'bare country code':
      return `${code}${significant}`;
    case 'national':
    case 'national-only':
      return national;
    case 'national spaced':
      return national.replace(/-/gu, ' ');
    case 'national digits':
      return nationalDigits;
    case 'national slash':
      return `${nationalDigits.slice(0, 3)}/${nationalDigits.slice(3)}`;
    case 'labelled':
      return label === '' ? national : `${label} ${nationalDigits.slice(0, 3)} ${nationalDigits.slice(3)}`;
  }
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[åä]/gu, 'a')
    .replace(/[öø]/gu, 'o')
    .replace(/æ/gu, 'ae')
    .normalize('NFD')
    .replace(/[^a-z0-9]/gu, '');
}

function capitalised(email: string): string {
  return email.replace(/(^|[.@])([a-z])/gu, (_, before: string, letter: string) => `${before}${letter.toUpperCase()}`);
}

/** The e-mail as a CRM stores it: mostly lower case, sometimes capitalised, now and then upper case. */
function storedCase(email: string, random: () => number): string {
  const r = random();
  return r < 0.8 ? email : r < 0.95 ? capitalised(email) : email.toUpperCase();
}
