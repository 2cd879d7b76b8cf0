import { emailDomain } from './normalizeEmail';
import { normalizePhone, type PhoneInvalidReason } from './normalizePhone';
import type { MeetingSummary, SummaryParticipant } from './summaryPayload';

/**
 * Participant roles that mark a colleague of the presenter. DCI documents only `customer`; the others are the
 * names meeting tools use for the hosting side. Anything else (customer, guest, absent) is external.
 */
export const DEFAULT_INTERNAL_ROLES: readonly string[] = [
  'host',
  'co-host',
  'cohost',
  'presenter',
  'internal',
  'user',
  'agent',
  'owner',
  'employee',
  'colleague',
  'coworker',
  'staff',
  'member',
  'seller',
  'sales',
  'team',
];

/**
 * Mailbox providers whose domain says nothing about the employer. The presenter's own domain makes colleagues
 * internal, except when it is one of these: a presenter on gmail.com must not make every gmail.com customer
 * a colleague.
 */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'yahoo.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'pm.me',
  'gmx.com',
  'gmx.net',
  'gmx.de',
  'web.de',
  'mail.com',
  'zoho.com',
  'yandex.com',
  'hotmail.se',
  'live.se',
  'outlook.se',
  'yahoo.se',
  'telia.com',
  'spray.se',
  'bredband.net',
  'comhem.se',
  'hotmail.no',
  'live.no',
  'online.no',
  'hotmail.dk',
  'live.dk',
  'jubii.dk',
  'hotmail.fi',
  'live.fi',
  'suomi24.fi',
]);

export interface ClassifyOptions {
  /** The customer's own e-mail domains (`seller.se`); subdomains count too. Compared case-insensitively. */
  internalDomains?: readonly string[] | undefined;
  /** Region for phone numbers written without a country code (`SE`). */
  defaultRegion: string;
  /** Roles that mark a participant internal; default {@link DEFAULT_INTERNAL_ROLES}. */
  internalRoles?: readonly string[] | undefined;
  /** Whether the presenter's e-mail domain (unless a free-mail one) counts as internal. Default true. */
  presenterDomainIsInternal?: boolean | undefined;
}

/** One phone number of a participant, read into E.164. */
export interface ParticipantPhone {
  /** The payload field it came from: DCI's `mobile_phone` is tried before `phone`. */
  field: 'mobile_phone' | 'phone';
  e164: string;
  extension?: string | undefined;
  type: 'mobile' | 'fixed_or_other';
}

/** A participant ready for matching: e-mail normalized, phones in E.164, names split. */
export interface ClassifiedParticipant {
  /** Position in the payload's `participants` (the first one when duplicates collapsed). */
  index: number;
  /** Positions of every payload entry that collapsed into this one (same e-mail). */
  sourceIndexes: number[];
  name?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  email?: string | undefined;
  /** Distinct E.164 numbers, `mobile_phone` first. */
  phones: ParticipantPhone[];
  /** Numbers that were written but could not be read safely; never matched on. */
  unreadablePhones: Array<{ field: 'mobile_phone' | 'phone'; reason: PhoneInvalidReason }>;
  /** The participant's company, else the meeting's (see `companySource`). */
  company?: string | undefined;
  companySource?: 'participant' | 'meeting' | undefined;
  role?: string | undefined;
}

export type InternalReason = 'presenter' | 'role' | 'internal_domain' | 'presenter_domain';

export interface ParticipantClassification {
  /** External participants with an e-mail or a readable phone: the ones the CRM is searched for. */
  external: ClassifiedParticipant[];
  /** External participants with neither: kept so the delivery log can say "not matchable". */
  notMatchable: ClassifiedParticipant[];
  /** Colleagues of the presenter: never matched as customer persons. */
  internal: Array<ClassifiedParticipant & { reason: InternalReason }>;
}

/**
 * Splits a meeting's participants into internal colleagues, matchable external participants and external
 * participants with nothing to match on. Entries with the same e-mail collapse into one (first non-empty value
 * of each field wins; internal if any of them is internal), so one person never gets two notes.
 */
export function classifyParticipants(summary: MeetingSummary, options: ClassifyOptions): ParticipantClassification {
  const internalRoles = new Set((options.internalRoles ?? DEFAULT_INTERNAL_ROLES).map((role) => role.toLowerCase()));
  const internalDomains = (options.internalDomains ?? []).map((domain) =>
    domain.trim().toLowerCase().replace(/^@/u, ''),
  );
  const presenterEmail = summary.presenter?.email;
  const presenterDomain = presenterEmail === undefined ? undefined : emailDomain(presenterEmail);
  const usePresenterDomain =
    (options.presenterDomainIsInternal ?? true) &&
    presenterDomain !== undefined &&
    !FREE_MAIL_DOMAINS.has(presenterDomain);

  const result: ParticipantClassification = { external: [], notMatchable: [], internal: [] };
  for (const group of groupByEmail(summary.participants)) {
    const participant = toClassified(group, summary, options.defaultRegion);
    const reason = internalReason(group, participant.email);
    if (reason !== undefined) {
      result.internal.push({ ...participant, reason });
    } else if (participant.email !== undefined || participant.phones.length > 0) {
      result.external.push(participant);
    } else {
      result.notMatchable.push(participant);
    }
  }
  return result;

  function internalReason(group: IndexedParticipant[], email: string | undefined): InternalReason | undefined {
    if (email !== undefined && email === presenterEmail) return 'presenter';
    if (group.some(({ participant }) => participant.role !== undefined && internalRoles.has(participant.role)))
      return 'role';
    if (email === undefined) return undefined;
    const domain = emailDomain(email);
    if (internalDomains.some((internal) => inDomain(domain, internal))) return 'internal_domain';
    if (usePresenterDomain && presenterDomain !== undefined && inDomain(domain, presenterDomain))
      return 'presenter_domain';
    return undefined;
  }
}

interface IndexedParticipant {
  participant: SummaryParticipant;
  index: number;
}

function groupByEmail(participants: readonly SummaryParticipant[]): IndexedParticipant[][] {
  const groups: IndexedParticipant[][] = [];
  const byEmail = new Map<string, IndexedParticipant[]>();
  participants.forEach((participant, index) => {
    const entry = { participant, index };
    const existing = participant.email === undefined ? undefined : byEmail.get(participant.email);
    if (existing) {
      existing.push(entry);
      return;
    }
    const group = [entry];
    groups.push(group);
    if (participant.email !== undefined) byEmail.set(participant.email, group);
  });
  return groups;
}

function toClassified(
  group: IndexedParticipant[],
  summary: MeetingSummary,
  defaultRegion: string,
): ClassifiedParticipant {
  const first = <K extends keyof SummaryParticipant>(key: K): SummaryParticipant[K] =>
    group.map(({ participant }) => participant[key]).find((value) => value !== undefined);

  const phones: ParticipantPhone[] = [];
  const unreadablePhones: ClassifiedParticipant['unreadablePhones'] = [];
  // DCI's mobile_phone before phone, across all collapsed entries: the number a person carries is the better key.
  for (const field of ['mobile_phone', 'phone'] as const) {
    for (const { participant } of group) {
      const raw = field === 'mobile_phone' ? participant.mobilePhone : participant.phone;
      if (raw === undefined) continue;
      const read = normalizePhone(raw, defaultRegion);
      if (read.kind === 'invalid') {
        unreadablePhones.push({ field, reason: read.reason });
      } else if (!phones.some((phone) => phone.e164 === read.e164)) {
        phones.push({ field, e164: read.e164, extension: read.extension, type: read.type });
      }
    }
  }

  const name = first('name');
  const names = splitName(first('firstName'), first('lastName'), name);
  const ownCompany = first('company');
  const company = ownCompany ?? summary.company;
  const [head] = group;
  return {
    index: head?.index ?? 0,
    sourceIndexes: group.map(({ index }) => index),
    name: name ?? ([names.firstName, names.lastName].filter(Boolean).join(' ') || undefined),
    firstName: names.firstName,
    lastName: names.lastName,
    email: first('email'),
    phones,
    unreadablePhones,
    company,
    companySource: ownCompany !== undefined ? 'participant' : company !== undefined ? 'meeting' : undefined,
    role: first('role'),
  };
}

/**
 * First and last name for creating a CRM person. Given names win; otherwise "Anna Maria Andersson" →
 * "Anna Maria" + "Andersson", "Andersson, Anna" → "Anna" + "Andersson", "Anna" → "Anna" + nothing.
 */
export function splitName(
  firstName: string | undefined,
  lastName: string | undefined,
  fullName: string | undefined,
): { firstName?: string | undefined; lastName?: string | undefined } {
  if (firstName !== undefined || lastName !== undefined || fullName === undefined) return { firstName, lastName };
  const comma = fullName.indexOf(',');
  if (comma > 0) {
    const last = fullName.slice(0, comma).trim();
    const given = fullName.slice(comma + 1).trim();
    return { firstName: given || undefined, lastName: last || undefined };
  }
  const words = fullName.split(/\s+/u).filter(Boolean);
  if (words.length <= 1) return { firstName: words[0], lastName: undefined };
  return { firstName: words.slice(0, -1).join(' '), lastName: words[words.length - 1] };
}

function inDomain(domain: string, parent: string): boolean {
  return parent !== '' && (domain === parent || domain.endsWith(`.${parent}`));
}
