import { FREE_MAIL_DOMAINS } from './classifyParticipants';
import { emailDomain } from './normalizeEmail';

/**
 * Mailbox domains that say nothing about an employer, beyond FREE_MAIL_DOMAINS (which also decides who is a
 * colleague): the Nordic internet providers' and portals' mailboxes, which households have used for decades. An
 * address there is a private person's, so it never names a company. Sources [inferred]: the providers' own sign-up
 * and help pages name these domains (Telia, Tele2/Comhem, Bahnhof, Telenor/online.no, Get, TDC/mail.dk, Jubii,
 * Stofa, Elisa/saunalahti.fi, DNA, Luukku, Suomi24, Kolumbus); the list is deliberately generous: a domain listed
 * here by mistake only costs a company note, one missing could put a note on the wrong company.
 */
const PROVIDER_MAIL_DOMAINS: readonly string[] = [
  // Sweden
  'telia.se',
  'tele2.se',
  'swipnet.se',
  'passagen.se',
  'home.se',
  'glocalnet.net',
  'bahnhof.se',
  'ownit.nu',
  'bredband2.com',
  'bredband.com',
  'tiscali.se',
  'chello.se',
  'euromail.se',
  'algonet.se',
  'swedenmail.com',
  // Norway
  'start.no',
  'frisurf.no',
  'c2i.net',
  'getmail.no',
  'broadpark.no',
  'altibox.no',
  'lyse.net',
  'epost.no',
  'sol.no',
  'yahoo.no',
  'gmail.no',
  // Denmark
  'mail.dk',
  'post.tele.dk',
  'ofir.dk',
  'stofanet.dk',
  'get2net.dk',
  'webspeed.dk',
  'youmail.dk',
  'privat.dk',
  'sol.dk',
  'yahoo.dk',
  // Finland
  'luukku.com',
  'kolumbus.fi',
  'saunalahti.fi',
  'elisanet.fi',
  'welho.com',
  'pp.inet.fi',
  'netti.fi',
  'dnainternet.net',
  'anvia.fi',
  'yahoo.fi',
  // International, besides FREE_MAIL_DOMAINS
  'ymail.com',
  'rocketmail.com',
  'hey.com',
  'fastmail.com',
  'fastmail.fm',
  'tutanota.com',
  'tuta.io',
  'mailbox.org',
  'posteo.de',
  'protonmail.ch',
  'aim.com',
  'inbox.com',
  'qq.com',
  '163.com',
  'mail.ru',
];

/**
 * Mailbox brands that exist under many country domains (`hotmail.co.uk`, `yahoo.fr`, `gmx.at`, `live.nl`): any
 * domain whose first label is one of these and whose rest is a short country or generic suffix counts as free mail.
 */
const FREE_MAIL_BRANDS: ReadonlySet<string> = new Set([
  'hotmail',
  'live',
  'outlook',
  'msn',
  'windowslive',
  'yahoo',
  'ymail',
  'gmx',
  'gmail',
  'googlemail',
  'icloud',
  'aol',
  'proton',
  'protonmail',
  'yandex',
  'zoho',
]);

const FREE_MAIL: ReadonlySet<string> = new Set([...FREE_MAIL_DOMAINS, ...PROVIDER_MAIL_DOMAINS]);

/** Whether `domain` (lower case) is a mailbox provider's, whose addresses never name a company. */
export function isFreeMailDomain(domain: string): boolean {
  if (FREE_MAIL.has(domain)) return true;
  const labels = domain.split('.');
  const [brand] = labels;
  // brand.tld or brand.co.tld: the brand's own country domains, not a company's subdomain such as live.acme.se
  // (three labels whose middle one is longer than a second-level suffix like co, com, or, ne).
  if (brand === undefined || !FREE_MAIL_BRANDS.has(brand)) return false;
  return labels.length === 2 || (labels.length === 3 && (labels[1]?.length ?? 99) <= 3);
}

/**
 * The domain of a normalized address when it can name a company: not free mail, and not one of the customer's own
 * domains or their subdomains (a colleague's address never names a customer company). Else undefined.
 */
export function companyDomainOf(normalizedEmail: string, internalDomains: readonly string[]): string | undefined {
  const domain = emailDomain(normalizedEmail);
  if (isFreeMailDomain(domain)) return undefined;
  const internal = internalDomains.map((each) => each.trim().toLowerCase().replace(/^@/u, ''));
  if (internal.some((each) => each !== '' && (domain === each || domain.endsWith(`.${each}`)))) return undefined;
  return domain;
}
