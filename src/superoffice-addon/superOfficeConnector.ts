import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { Agent as UndiciAgent } from 'undici';
import { PersonNotFoundError, type CrmId, type MeetingSummary, type PersonTarget } from '../core';
import type { ConnectionCheck, CrmConnector, DeliverOptions, DeliveryReport } from '../crm/crmConnector';
import { CrmError } from '../crm/crmError';
import type { RequestPurpose } from '../crm/requestBudget';
import { deliverToSuperOffice } from '../superoffice-script/deliverToSuperOffice';
import { readSuperOfficePerson } from '../superoffice-script/readSuperOfficePerson';
import { DEFAULT_SCRIPT_CONFIG } from '../superoffice-script/scriptConfig';
import type { SuperOfficeAgents } from '../superoffice-script/superOfficeApi';
import { resolveTaskTypes, trustForeignDevice, type TaskTypes } from '../superoffice-script/writeAppointment';
import { mapSuperOfficeFailure } from './mapSuperOfficeFailure';
import { plainHttpProblem } from './plainHttpProblem';
import { superOfficeAuthorizer } from './superOfficeAuth';
import type { SuperOfficeAuthorizer, SuperOfficeConnectorOptions } from './superOfficeOptions';
import { testSuperOfficeConnection } from './testSuperOfficeConnection';
import { webApiSession, type WebApiSession, type WebApiTransport } from './webApiAgents';

/** How long the task type's id is reused before it is looked up again (like the Lime side's schema). */
const TASK_TYPE_CACHE_MS = 5 * 60 * 1000;
/** Time allowed per request when the options set none. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Connections kept to one tenant: the adapter writes one appointment at a time, so few are needed. */
const MAX_SOCKETS = 8;

/**
 * SuperOffice behind the `CrmConnector` port, through the endpoint script's adapter (deliverToSuperOffice.ts: the
 * same matching, owner, completed follow-ups and foreign keys) and the real @superoffice/webapi agents, built per
 * delivery for this tenant (webApiAgents.ts) so each carries its own signal and call count.
 */
export class SuperOfficeConnector implements CrmConnector {
  readonly options: SuperOfficeConnectorOptions;
  /** The tenant's host, for messages. */
  readonly host: string;
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;
  /** For the system user exchange and the key download (fetch): the same CA and verification as the WebAPI's. */
  private readonly loginDispatcher: UndiciAgent;
  private authorizerValue: SuperOfficeAuthorizer | undefined;
  private taskType: { name: string; types: TaskTypes; until: number } | undefined;
  /** The foreign application and device exist (seen by a delivery that wrote); checked again after any failure. */
  private foreignDeviceSeen = false;

  constructor(options: SuperOfficeConnectorOptions) {
    this.options = options;
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError('the SuperOffice URL must start with https:// (or http://)');
    }
    const { credentials } = options;
    const inClear =
      plainHttpProblem(options.baseUrl, credentials.kind) ??
      (credentials.kind === 'system_user' && credentials.loginUrl !== undefined
        ? plainHttpProblem(credentials.loginUrl, credentials.kind)
        : undefined);
    if (inClear !== undefined) throw new TypeError(`Refusing plain http: ${inClear}`);
    this.host = url.host;
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS });
    this.httpsAgent = new HttpsAgent({
      keepAlive: true,
      maxSockets: MAX_SOCKETS,
      // A custom CA is added to Node's trusted roots, not put in their place: SuperOffice Online must still verify.
      ...(options.ca === undefined ? {} : { ca: [...rootCertificates, options.ca] }),
      rejectUnauthorized: options.rejectUnauthorized,
    });
    this.loginDispatcher = new UndiciAgent({
      connect: {
        ...(options.ca === undefined ? {} : { ca: [...rootCertificates, options.ca] }),
        rejectUnauthorized: options.rejectUnauthorized,
      },
    });
  }

  /** The tenant's credentials as headers; made on first use, so a connector is built without contacting anyone. */
  get authorizer(): SuperOfficeAuthorizer {
    this.authorizerValue ??= superOfficeAuthorizer(this.options.credentials, {
      baseUrl: this.options.baseUrl,
      now: this.options.now,
      dispatcher: this.loginDispatcher,
    });
    return this.authorizerValue;
  }

  async testConnection(signal?: AbortSignal): Promise<ConnectionCheck> {
    let session: WebApiSession;
    try {
      session = this.session('delivery', signal);
    } catch (error) {
      const failure = mapSuperOfficeFailure(error, this.host, signal);
      return {
        ok: false,
        code: failure.code,
        steps: [{ step: 'authenticate', ok: false, message: `The credentials cannot be used: ${failure.message}` }],
      };
    }
    const check = await testSuperOfficeConnection(session.agents, {
      host: this.host,
      credentials: this.authorizer.describe(),
      taskTypeName: this.options.taskTypeName,
      taskTypeMap: this.options.taskTypeMap,
      linkSale: this.options.linkSale,
      defaultAssociateId: this.options.defaultAssociateId ?? 0,
      mapFailure: (error) => mapSuperOfficeFailure(error, this.host, signal),
    });
    this.taskType = undefined; // the admin may just have changed the task types: the next delivery looks again
    return check;
  }

  /** `GetTaskListItems`: small, needs valid credentials, and every delivery reads it anyway. */
  async probe(signal?: AbortSignal): Promise<void> {
    try {
      const { agents } = this.session('probe', signal);
      await agents.appointment.getTaskListItemsAsync(false);
    } catch (error) {
      throw mapSuperOfficeFailure(error, this.host, signal);
    }
  }

  /** One person by id with their company (an admin's assignment); undefined when SuperOffice has none (or retired). */
  async readPerson(personId: CrmId, signal?: AbortSignal): Promise<PersonTarget | undefined> {
    try {
      const { agents } = this.session('delivery', signal);
      return await readSuperOfficePerson(agents, Number(personId));
    } catch (error) {
      throw mapSuperOfficeFailure(error, this.host, signal);
    }
  }

  async deliver(summary: MeetingSummary, options: DeliverOptions): Promise<DeliveryReport> {
    const { signal } = options;
    const dryRun = options.dryRun === true;
    try {
      const session = this.session('delivery', signal);
      const taskTypes = await this.taskTypes(session.agents);
      if (this.foreignDeviceSeen) trustForeignDevice(session.agents);
      // Appointments are at the meeting's time whatever `noteDate` says: a follow-up in the diary belongs there, and
      // the script writes them so [choice]. `knownNotes` is not needed: the foreign key finds our appointment for
      // the (conversation, person) in one exact lookup, also after a crash the receiver did not record. A save
      // SuperOffice completed whose answer never came (timeout, reset, a crash before AddForeignKey) leaves an
      // appointment without its key: every attempt after the first searches the person's appointments for our
      // reference line before creating one (findUnkeyedAppointment.ts); the first cannot have saved anything.
      const result = await deliverToSuperOffice(summary, session.agents, {
        taskListItemId: taskTypes.fallbackId,
        taskTypeMap: { map: this.options.taskTypeMap ?? [], types: taskTypes },
        linkSale: options.linkDeal === true,
        defaultAssociateId: this.options.defaultAssociateId,
        timeZone: options.timeZone,
        maxDescriptionLength: DEFAULT_SCRIPT_CONFIG.maxDescriptionLength,
        internalDomains: options.internalDomains,
        defaultRegion: options.defaultRegion,
        createMissingContacts: options.createMissingContacts,
        companyNotes: options.companyNotes,
        noteLanguage: options.noteLanguage,
        dryRun,
        searchUnkeyedAppointments: options.knownNotesComplete !== true,
        onlyParticipants: options.onlyParticipants,
        assignments: options.assignments,
      });
      if (!dryRun && result.outcomes.some((outcome) => outcome.noteId !== undefined)) this.foreignDeviceSeen = true;
      return {
        outcomes: result.outcomes,
        apiCalls: session.calls(),
        ...(dryRun ? { preview: result.note } : {}),
      };
    } catch (error) {
      // An admin's assignment of a person SuperOffice does not have: not a failure of SuperOffice, said as it is.
      if (error instanceof PersonNotFoundError) throw error;
      // Whatever failed may be what the caches vouch for (a task type or the foreign device removed meanwhile).
      this.taskType = undefined;
      this.foreignDeviceSeen = false;
      throw mapSuperOfficeFailure(error, this.host, signal);
    }
  }

  async close(): Promise<void> {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    await this.loginDispatcher.close();
  }

  private session(purpose: RequestPurpose, signal: AbortSignal | undefined): WebApiSession {
    const transport: WebApiTransport = {
      baseUrl: this.options.baseUrl,
      authorizer: this.authorizer,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      budget: this.options.budget,
    };
    return webApiSession(transport, purpose, signal);
  }

  /**
   * The configured task type's id and those of the task type map, cached for a few minutes; `schema_mismatch`
   * naming what is missing and the types offered.
   */
  private async taskTypes(agents: SuperOfficeAgents): Promise<TaskTypes> {
    const name = this.options.taskTypeName;
    const cached = this.taskType;
    if (cached !== undefined && cached.name === name && cached.until > Date.now()) return cached.types;
    const found = await resolveTaskTypes(agents, name, this.options.taskTypeMap);
    if (!found.ok) {
      const message = found.fallbackMissing
        ? `SuperOffice has no active task type named "${name}": choose one of the follow-up types it offers (Test connection lists them)`
        : `The task type map names follow-up types SuperOffice does not offer: ${found.problems.join(' ')}`;
      throw new CrmError('schema_mismatch', message, { detail: `Offered: ${found.offered.join(', ')}` });
    }
    this.taskType = { name, types: found.types, until: Date.now() + TASK_TYPE_CACHE_MS };
    return found.types;
  }
}
