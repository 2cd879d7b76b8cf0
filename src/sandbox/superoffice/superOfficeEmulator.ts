// A stateful SuperOffice WebAPI emulator (shared/specs/superoffice.md §3–§4) on node:http: the agent calls the
// SuperOffice script makes through @superoffice/webapi 12.4, answered in the shapes the package's converters read.
//
// Behaviours that rest on an [assumption] (the spec's sources are silent; verify against a real tenant):
// - Auth without the `auth` option: `Authorization: Bearer <token>` or `SOTicket <token>` (scheme case-insensitive)
//   must carry a configured token, else 401 with an SoExceptionInfo-shaped body (`Message`, `ExceptionType`, …) and `WWW-Authenticate`.
//   `SO-AppToken` is neither required nor checked. Auth runs after faults, before routing, for every path under
//   /<customerId>/. With `auth` (an Online or Onsite tenant as SuperOffice documents it: tickets, app tokens, the
//   PartnerSystemUser exchange, Basic), tenantAuthentication.ts decides; its header cites the sources.
// - Hosts (with `auth: online`): SuperOffice Online answers 421 "Wrong subdomain used to access tenant" when a tenant
//   is called on an unnumbered host such as online.superoffice.com, which is "reserved for authentication"
//   [verified: SuperOfficeDocs `developer-portal/best-practices/tenant-status/check-status`; the spec's §1.1]. The
//   emulator cannot use host names, so a second listener stands for the unnumbered host: it serves the login service
//   (`/login/api/PartnerSystemUser/Authenticate`, `/login/.well-known/jwks`, path case-insensitive) and answers 421 for
//   the tenant's paths; the first listener stands for the numbered host (online3…) and has no login service (404). The customer id in the path matches case-insensitively; another tenant's path is a 404.
// - Every error body is SoExceptionInfo-shaped; ExceptionType names (ArgumentException, SoSecurityException,
//   NotFoundException, MethodNotAllowedException) are the emulator's own.
// - Agent and method names, `api`/`v1`/`Agents`, query parameter names and request body property names all match
//   case-insensitively. Unknown agent/method → 404; a method other than POST → 405; a body that is not JSON → 400;
//   a method that takes a request object and gets none (or `null`) → 400; a present field of the wrong JSON type
//   (e.g. a numeric string for an int) → 400. `null` counts as absent.
// - Agents answer 200 with `null` for a missing item (GetAppointmentEntity, GetAssociateByPersonId, GetKeyByValue).
// - Dates: the tenant has a base time zone (option `baseTimeZone`, IANA, default Europe/Stockholm). [verified:
//   SuperOffice/SDK-Doc `NetServer.Web.Services/Reference/WebAPI/Headers/SO-Timezone.md`] without `SO-Timezone`
//   NetServer "stores the date+time unchanged" in the base time zone and returns it so; with a zone in the header,
//   dates are converted to and from that zone, and a `Z`/offset on a value is honoured; `includeTZOffset` adds the
//   offset to returned dates; created/updated dates are always UTC (tagged `Z` with `includeTZOffset`). The
//   emulator stores instants and, for appointment start/end, speaks wall time in the request's zone. [assumption,
//   stricter than NetServer is likely to be] without a zone in `SO-Timezone` an offset or `Z` on a request value is
//   dropped (the doc does not say what NetServer does then), so a client sending UTC instants without the header
//   sees its meetings moved by the base zone's offset. The only zone the header may name is UTC (`UTC` or id `1`);
//   SuperOffice's own codes (`NO`, `SE`, …) → 400 [not modelled]. Returned offsets are `Z` or `+02:00`. The null
//   date is `0001-01-01T00:00:00`.
// - Archive (GetArchiveListByColumns2): providers `Person` (entities `person`, `retiredPerson` = retired persons)
//   and `Contact` (entity `contact`), with the columns listed in archiveProviders.ts only; an unknown provider,
//   column (in columns, restriction or sortOrder) or entity → 400, with a "Did you mean" hint for
//   guessed names such as contactName or updatedDate (a real tenant may ignore unknown select columns).
//   An empty restriction → 400. String comparisons are case-insensitive and accent-sensitive (collation); phone
//   numbers are compared as formatted text, not normalised. A person is one row however many emails or phones it
//   has; a restriction matches if any of them matches, and the cell shows the first value a restriction on that
//   column matched, else the first value. `searchPhone/formattedNumber` of a person = its mobile and direct phones;
//   of a company = its phones; it shows them as written but a restriction on it compares with their stripped
//   search form only ("46701234567": country code + number, digits only; the value is not stripped — see
//   searchPhoneNumber.ts for the sources and what is assumed). Empty `entities` = all entities of the provider. Default order: primary key;
//   sortOrder takes `column [asc|desc], …`. pageSize < 1 → 400; page < 0 skips -page rows. Restrictions on date
//   columns are not supported (400). Provider `DiaryAppointment` (entity `appointment`; appointments of type inDiary
//   only [verified: SuperOfficeDocs `docs/en/api/archive-providers/reference/diaryappointment.md`, "of the Diary
//   type (not followup or booking)"]): columns appointmentId, personId, contactId, associateId, completed, date
//   (start), endDate, text (the description; string restrictions — the docs type it `positiveString` [inferred:
//   contains/begins/equals, no negation]); a query needs the Select right on `appointment`. Provider `Document`
//   (entity `document` [verified: SuperOfficeDocs `…/archive-providers/reference/document.md`]): columns documentId,
//   personId, contactId, name (the file name); a query needs the Select right on `document`.
// - Archive cells: integers `[I:210]` (documented); booleans `[I:1]`/`[I:0]` (CultureDataFormatter has no boolean
//   moniker; `B` is binary); dates `[D:01/02/2026 10:00:00.0000000]` (invariant month/day/year, in UTC, as the
//   package fixtures encode user-defined dates); strings plain.
// - Appointments: CreateDefaultAppointmentEntity answers AppointmentId 0, Type inDiary, Completed NotStarted,
//   Private Public, start = now (whole minute), end = start + 1 h, Task = the first active task list item, and as
//   Associate the API user's own (the emulator takes the first associate seeded). SaveAppointmentEntity with AppointmentId 0 creates, else replaces
//   an existing one (unknown id → 400). It needs start and end dates (end not before start), an owner associate
//   that exists and is not deleted, a task list item that exists and is not deleted; contact and person are
//   optional but must exist when given (not checked against each other); location ≤ 254 characters; `completed`
//   and `type` must be enum names (case-insensitive). Anything else in the entity is ignored.
// - Persons: SavePersonEntity needs a first or last name; `contact.contactId` 0 = no company; otherwise the company
//   must exist. Contacts: SaveContactEntity needs a name. Id 0 creates, an existing id replaces, an unknown id → 400.
//   Empty `{ value }` elements are dropped. Phones' StrippedValue keeps the digits and a leading "+".
// - Associates: GetAssociateByPersonId returns the (possibly deleted) associate of that person, else null.
// - Foreign keys: AddForeignKey does NOT create the application and device on demand: both must exist first
//   (SaveForeignAppEntity with a unique name; SaveForeignDevice under an existing application, unique name +
//   identifier), else 400; GetKeyByValue for an application/device that does not exist is a 400 too. [verified:
//   SuperOfficeDocs `docs/api/netserver/foreign-keys/index.md` — the only example creates app, then device, then
//   key] [assumption: NetServer's answer to a missing one is undocumented; refusing is the stricter side.]
//   GetAppByName / GetDeviceByName / GetDeviceByIdentifier answer null when there is none [assumption: NetServer may
//   answer an empty carrier with id 0; the script reads both]. A key with the same application,
//   device, device identifier, key name, table and record is updated instead of duplicated. Table names must be ""
//   or one of appointment, associate, contact, document, person, project, sale (stored lower-case). GetKeyByValue
//   returns the first (oldest) key with that application, device, key name, value and table; names and values
//   match case-insensitively. The carrier has no id; `foreignKeys()` adds the emulator's own `foreignKeyId`.
// - Rights: SentryAgent.GetNewTableRight (`{ tableName }`) answers `{ Mask, Reason }` with Mask the flag names of
//   `ETableRight` joined by ", " (the package's converter splits a string; a number would break it [verified:
//   @superoffice/webapi Converters.js `Create_ETableRight_From`]) and an empty Mask for no rights. Only the tables in
//   SENTRY_TABLES are known (another name → 400). Every right is granted until `setNewTableRight` restricts it, and
//   a restricted right is enforced with a 403 SoSecurityException: Insert/Update on saving a new/existing
//   appointment, person or company and on AddForeignKey; Delete on DeleteAppointmentEntity; Select on
//   GetKeyByValue and on Person/Contact archive queries (a real tenant may hide the rows instead [assumption]).
//   Whether the real GetNewTableRight reflects the system user's role exactly this way is [inferred] from its name
//   and the carrier's documentation ("bitflag of permissions").
// - Associates: GetAssociate (`?associateId=`) answers the associate, deleted or not, else null.
// - Appointment texts: a `description` longer than 2047 characters → 400 [verified: SuperOfficeDocs
//   `docs/en/database/tables/text.md`, `text.text` "max 2047 significant characters"; the appointment's description
//   is a `text` row (`appointment.text_id`); assumption, stricter than NetServer is likely to be: what NetServer does
//   with more (cut, chain `seqno` rows, refuse) is not documented].
// - Documents (DocumentAgent): CreateDefaultDocumentEntity answers DocumentId 0, Completed NotStarted, the first
//   document template not deleted (none → DocumentTemplate null) and the API user's associate [assumption: what
//   NetServer picks as the default template is not documented]. SaveDocumentEntity needs a header (≤ 219) and a file
//   name (≤ 511), an existing, not deleted document template, an existing owner, contact and person when given, a
//   description ≤ 2047 [verified: SuperOfficeDocs `docs/en/database/tables/document.md`; the docs' own example sets
//   header, name and DocumentTemplate, `docs/en/api/netserver/web-services/howto/document/rest-generate-document.md`].
//   A Completed document cannot be saved again as Completed, nor uploaded to [verified: SuperOfficeDocs
//   `docs/en/document/howto/crmscript/doc-properties.md` "can't be changed if the document is marked as Completed",
//   `doc-files.md` "must ensure that the document's status is not Completed"]. SetDocumentStream takes the content
//   base64 (the package base64-encodes a string as UTF-8 [verified: @superoffice/webapi `src/Base64.ts` ToBase64]);
//   OverwriteExistingData true only on a document with content, false only on one without [verified: the package's
//   doc comment of setDocumentStreamAsync]. Rights: Insert/Update/Delete on `document` as for appointments. A real
//   tenant also needs a working document archive [assumption: not modelled; cloud tenants have one].
// - Latency (test facility, not SuperOffice behaviour): option `latencyMs` / `setLatency` delays every request to the
//   tenant and to the login host by that many ms before anything else, as the Lime emulator's option does.
// - Faults (test facility, not SuperOffice behaviour): `failNext` queues faults for the next requests; `failWhen` and
//   `hold` pick requests by a predicate and come first. `lose_answer` handles the request for real (a save stores
//   its row) and cuts the connection; `answer_late` handles it and answers after a wait; a `hold` stops it before or
//   after handling until the test answers or drops it (closing the emulator drops it). A `delay` only delays
//   handling, so a request whose client gave up meanwhile is still handled.
// - Ids: one sequence per table, started apart (contacts 101, persons 201, associates 11, task list items 1,
//   appointments 301, documents 501, document templates 1, foreign keys 1) so an id of the wrong kind misses.

import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyFault } from '../shared/applyFault';
import { FaultQueue } from '../shared/faultQueue';
import { faultControls } from '../shared/faultControls';
import type { HoldFault } from '../shared/heldRequest';
import { MatchedFaults } from '../shared/matchedFaults';
import { listenOnLoopback } from '../shared/listenOnLoopback';
import { requestLogEntry } from '../shared/requestLogEntry';
import { writeAnswer } from '../shared/writeAnswer';
import { answerFaulted, isAnswerFault } from './answerFaulted';
import { notFound, soError, unauthorized, type ApiResponse } from './apiResponses';
import { pathBelowTenant, readRequest, type IncomingRequest } from './readRequest';
import { routeAgentRequest } from './routeAgentRequest';
import { isKnownTimeZone, parseSeedDate, wireZone } from './soDates';
import { SuperOfficeStore, type WriteOutcome } from './superOfficeStore';
import { TenantAuthentication, wrongSubdomain } from './tenantAuthentication';
import type {
  SuperOfficeEmulator,
  SuperOfficeEmulatorOptions,
  SuperOfficeFault,
  SuperOfficeRequestLogEntry,
  SuperOfficeRequestView,
} from './types';

export async function startSuperOfficeEmulator(options: SuperOfficeEmulatorOptions = {}): Promise<SuperOfficeEmulator> {
  const customerId = options.customerId ?? 'Cust12345';
  let tokens = new Set(options.tokens ?? (options.auth === undefined ? ['test-token'] : []));
  const baseNow = options.now ?? (() => new Date());
  let clockOffsetMs = 0;
  const now = (): Date => new Date(baseNow().getTime() + clockOffsetMs);
  let numberedBaseUrl = '';
  const auth =
    options.auth === undefined
      ? undefined
      : new TenantAuthentication(options.auth, {
          customerId,
          webApiUrl: () => `${numberedBaseUrl}/api/`,
          now: () => now().getTime(),
        });
  const baseTimeZone = options.baseTimeZone ?? 'Europe/Stockholm';
  if (!isKnownTimeZone(baseTimeZone))
    throw new Error('baseTimeZone must be an IANA time zone such as Europe/Stockholm');
  const store = new SuperOfficeStore(now);
  // A new SuperOffice database comes with standard document templates [assumption]; a test passes [] for none.
  for (const name of options.documentTemplates ?? ['Letter']) store.documents.addTemplate(name, false);
  const faults = new FaultQueue<SuperOfficeFault>();
  const targetedFaults = new MatchedFaults<SuperOfficeRequestView, SuperOfficeFault | HoldFault>();
  const requests: SuperOfficeRequestLogEntry[] = [];
  let latencyMs = options.latencyMs ?? 0;

  /** Tenant, authentication, then the agents. */
  function answer(incoming: IncomingRequest, below: string | undefined): ApiResponse {
    if (below === undefined) return notFound(`There is no tenant at ${incoming.path}.`);
    if (auth !== undefined) {
      const refusal = auth.check(incoming, tokens);
      if (refusal !== undefined) return refusal;
    } else if (incoming.token === undefined) {
      return unauthorized('Authentication required: send Authorization: Bearer <token> or SOTicket <ticket>.');
    } else if (!tokens.has(incoming.token)) return unauthorized('The token or ticket is not valid.');
    const zone = wireZone(incoming, baseTimeZone);
    if (zone === undefined) {
      return soError(400, 'ArgumentException', 'The emulator knows only the UTC time zone in SO-Timezone.');
    }
    try {
      return routeAgentRequest(
        { store, now, zone },
        { method: incoming.method, path: below, rawQuery: incoming.rawQuery, body: incoming.body },
      );
    } catch (error) {
      return soError(500, 'Exception', error instanceof Error ? error.message : String(error));
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse, closing: AbortSignal): Promise<void> {
    const incoming = await readRequest(request);
    // Network and server time as a benchmark wants it (bench/superOffice.bench.ts), before any fault or handling.
    if (latencyMs > 0) await sleep(latencyMs, undefined, { signal: closing });
    const below = pathBelowTenant(customerId, incoming.path);
    const log = (status: number): void => {
      requests.push({
        ...requestLogEntry(incoming, below ?? incoming.path, status),
        ...(incoming.token === undefined ? {} : { token: incoming.token }),
      });
    };
    const fault = targetedFaults.take(requestLogEntry(incoming, below ?? incoming.path, 0)) ?? faults.take();
    if (isAnswerFault(fault)) {
      await answerFaulted(fault, () => answer(incoming, below), response, closing, log);
      return;
    }
    const exchange = { request, response, closing, log, errorAnswer: injectedError };
    if (await applyFault(fault, exchange)) return;
    const result = answer(incoming, below);
    log(result.status);
    writeAnswer(response, result);
  }

  const server = await listenOnLoopback(handle, options);
  numberedBaseUrl = `${server.origin}/${encodeURIComponent(customerId)}`;

  /** The unnumbered host: the login service, and 421 for the tenant. */
  async function handleUnnumbered(
    request: IncomingMessage,
    response: ServerResponse,
    closing: AbortSignal,
  ): Promise<void> {
    const incoming = await readRequest(request);
    if (latencyMs > 0) await sleep(latencyMs, undefined, { signal: closing });
    const path = incoming.path.toLowerCase().replace(/\/+$/u, '');
    let result: ApiResponse;
    if (auth !== undefined && path === LOGIN_PATH.toLowerCase()) result = auth.exchange(incoming);
    else if (auth !== undefined && path === JWKS_PATH.toLowerCase()) result = auth.jwks();
    else if (pathBelowTenant(customerId, incoming.path) !== undefined) result = wrongSubdomain();
    else result = notFound(`There is nothing at ${incoming.path} on the login host.`);
    requests.push(requestLogEntry(incoming, incoming.path, result.status));
    writeAnswer(response, result);
  }
  const unnumbered = options.auth?.kind === 'online' ? await listenOnLoopback(handleUnnumbered, {}) : undefined;

  function expectWritten<T>(action: string, outcome: WriteOutcome<T>): T {
    if (outcome.kind !== 'written') throw new Error(`${action}: ${outcome.message}`);
    return outcome.record;
  }

  return {
    baseUrl: numberedBaseUrl,
    loginUrl: unnumbered === undefined ? undefined : `${unnumbered.origin}${LOGIN_PATH}`,
    unnumberedBaseUrl: unnumbered === undefined ? undefined : `${unnumbered.origin}/${encodeURIComponent(customerId)}`,
    issueTicketFor(clientId) {
      return requireAuth().issueTicket(clientId);
    },
    expireTickets() {
      requireAuth().expireTickets();
    },
    revokeSystemUserToken(systemUserToken) {
      requireAuth().revokeSystemUserToken(systemUserToken);
    },
    get exchangeCount() {
      return auth?.exchanges ?? 0;
    },
    advanceClock(ms) {
      clockOffsetMs += ms;
    },
    baseTimeZone,
    port: server.port,
    customerId,
    addContact(seed) {
      const fields = { name: seed.name, phones: seed.phones ?? [], emails: seed.emails ?? [] };
      return expectWritten('addContact', store.saveContact(0, fields)).contactId;
    },
    addPerson(seed) {
      const fields = {
        firstname: seed.firstname,
        lastname: seed.lastname ?? '',
        contactId: seed.contactId ?? 0,
        emails: seed.emails ?? [],
        mobilePhones: seed.mobilePhones ?? [],
        officePhones: seed.officePhones ?? [],
        retired: seed.retired ?? false,
        ...(seed.updatedDate === undefined ? {} : { updatedDate: parseSeedDate(seed.updatedDate, 'updatedDate') }),
      };
      return expectWritten('addPerson', store.savePerson(0, fields)).personId;
    },
    addAssociate(seed) {
      const fields = {
        personId: seed.personId,
        name: seed.name,
        type: seed.type ?? 'InternalAssociate',
        deleted: seed.deleted ?? false,
      };
      return expectWritten('addAssociate', store.addAssociate(fields)).associateId;
    },
    addTaskListItem(seed) {
      const fields = {
        value: seed.value,
        deleted: seed.deleted ?? false,
        type: seed.type ?? 'Appointment',
        direction: seed.direction ?? 'Unknown',
      };
      return expectWritten('addTaskListItem', store.addTaskListItem(fields)).taskListItemId;
    },
    addSale(seed) {
      const fields = { contactId: seed.contactId, heading: seed.heading ?? 'Sale', status: seed.status ?? 'Open' };
      return expectWritten('addSale', store.addSale(fields)).saleId;
    },
    addDocumentTemplate(seed) {
      return expectWritten('addDocumentTemplate', store.documents.addTemplate(seed.name, seed.deleted ?? false))
        .documentTemplateId;
    },
    contacts: () => structuredClone(store.contacts()),
    persons: () => structuredClone(store.persons()),
    associates: () => structuredClone(store.associates()),
    taskListItems: () => structuredClone(store.taskListItems()),
    appointments: () => structuredClone(store.appointments()),
    sales: () => structuredClone(store.sales()),
    foreignKeys: () => structuredClone(store.foreignKeys()),
    foreignApps: () => structuredClone(store.foreignApps()),
    foreignDevices: () => structuredClone(store.foreignDevices()),
    documents: () => structuredClone(store.documents.documents()),
    get requests() {
      return requests;
    },
    ...faultControls(requests, faults, targetedFaults),
    setNewTableRight(tableName, rights) {
      store.setNewTableRight(tableName, rights.join(', '));
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    setTokens(next) {
      tokens = new Set(next);
    },
    async close() {
      await Promise.all([server.close(), unnumbered?.close()]);
    },
  };

  function requireAuth(): TenantAuthentication {
    if (auth === undefined) throw new Error('The emulator was started without an auth model');
    return auth;
  }
}

const LOGIN_PATH = '/login/api/PartnerSystemUser/Authenticate';
const JWKS_PATH = '/login/.well-known/jwks';

/** The answer to a `status` fault that brings no body of its own. */
function injectedError(status: number): ApiResponse {
  return soError(status, 'InjectedFault', STATUS_CODES[status] ?? 'The emulator was told to fail.');
}
