import type { ParticipantOutcome } from '../../crm/crmConnector';

// Links from the delivery page to the records in the CRM's web client, when its address is configured
// (LIME_WEB_URL, SUPEROFFICE_WEB_URL). The base is validated at start (http(s), no credentials, query or fragment);
// what is appended here is a fixed path and the CRM's id, and only an id of letters, digits, - and _ is linked, so a
// stored value can never turn a link into something else.
//
// Lime: `<LIME_WEB_URL>/object/<limetype>/<id>`, with Lime core's limetypes person, company and history
// [assumption: the web client's object route; Lime documents no deep-link format for the web client (its "Lime
// links" are the desktop client's `limecrm:` scheme). Public samples show the web client under `…/client/`
// (`…/client/table-view/deal`) [inferred]. docs/receiver.md tells the admin to copy a card's address up to
// `/object/`; check on a real Lime web client.]
//
// SuperOffice: SoProtocol, `<SUPEROFFICE_WEB_URL>/default.aspx?<where>?<what>`, with `contact.main?contact_id=`,
// `person.main?person_id=` and `appointment.main?appointment_id=` [verified: SuperOffice's docs, SoProtocol
// (docs/en/ui/soprotocol/index.md: `https://{{environment}}.superoffice.com/{{tenant}}/default.aspx?{{WHERE}}?{{WHAT}}`,
// howto/open-contact.md, howto/open-appointment.md; `person.main…?person_id=` in docs/ui/soprotocol/index.md)].

/** A CRM record the delivery page links to. */
export interface CrmWebLink {
  /** In words: `person 1001`, `company 3`, `history note 55`, `appointment 44`. */
  label: string;
  href: string;
}

/** The configured web clients, by CRM target (`lime`, `superoffice`). */
export interface CrmWebUrls {
  lime?: string | undefined;
  superoffice?: string | undefined;
}

/** Ids as both CRMs hand them out (integers; text ids of the same characters): anything else is not linked. */
const LINKABLE_ID = /^[A-Za-z0-9_-]{1,64}$/u;

type Kind = 'person' | 'company' | 'note';

const LIME_TYPE: Record<Kind, string> = { person: 'person', company: 'company', note: 'history' };
const SUPEROFFICE_TARGET: Record<Kind, string> = {
  person: 'person.main?person_id=',
  company: 'contact.main?contact_id=',
  note: 'appointment.main?appointment_id=',
};

/** The links for one outcome's person, company and note, in that order; none without a web client for the target. */
export function crmWebLinks(
  outcome: Pick<ParticipantOutcome, 'personId' | 'companyId' | 'noteId'>,
  target: string,
  urls: CrmWebUrls,
): CrmWebLink[] {
  const base = target === 'superoffice' ? urls.superoffice : target === 'lime' ? urls.lime : undefined;
  if (base === undefined) return [];
  const noteWord = target === 'superoffice' ? 'appointment' : 'history note';
  const entries: Array<[Kind, string, ParticipantOutcome['personId']]> = [
    ['person', 'person', outcome.personId],
    ['company', 'company', outcome.companyId],
    ['note', noteWord, outcome.noteId],
  ];
  const links: CrmWebLink[] = [];
  for (const [kind, word, id] of entries) {
    if (id === undefined) continue;
    const text = String(id);
    if (!LINKABLE_ID.test(text)) continue;
    const href =
      target === 'superoffice'
        ? `${base}/default.aspx?${SUPEROFFICE_TARGET[kind]}${encodeURIComponent(text)}`
        : `${base}/object/${LIME_TYPE[kind]}/${encodeURIComponent(text)}`;
    links.push({ label: `${word} ${text}`, href });
  }
  return links;
}
