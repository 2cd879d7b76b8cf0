// What the receiver's SuperOffice connector is built from. The adapter code itself (matching, owner, appointments,
// foreign keys) is the endpoint script's (src/superoffice-script): one adapter, two hosts. Inside SuperOffice the
// script gets the WebAPI as `soApi`; in the receiver this folder constructs the real `@superoffice/webapi` agents for
// one tenant with explicit options (never the package's static authentication helpers, which leak across tenants:
// shared/specs/superoffice.md §3.1) and authenticates as §3.6 documents.
import type { HistoryTypeMap } from '../core';
import type { RequestBudget } from '../crm/requestBudget';

/**
 * How the receiver signs in to the tenant's WebAPI (shared/specs/superoffice.md §3.6):
 * - `basic`: Onsite only — a SuperOffice user name and password ("Will not work in CRM Online" [verified: PKG
 *   `src/WebApi.ts`]).
 * - `ticket`: a fixed `SOTicket` credential (Onsite; or a ticket obtained elsewhere), with the application token
 *   when talking to Online.
 * - `system_user`: Online server-to-server — the application's client id and secret, its RSA private key and the
 *   system user token an administrator's consent gave; exchanged at SuperOffice's PartnerSystemUser endpoint for a
 *   ticket, sent as `Authorization: SOTicket <ticket>` with `SO-AppToken: <client secret>`; the ticket lives 6 hours
 *   with sliding expiration [verified: docs.superoffice.com …/authentication/online/auth-application].
 */
export type SuperOfficeCredentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'ticket'; ticket: string; appToken?: string | undefined }
  | {
      kind: 'system_user';
      clientId: string;
      clientSecret: string;
      /** PEM of the application's RSA private key (the key pair registered with the application). */
      privateKeyPem: string;
      systemUserToken: string;
      /**
       * Where the PartnerSystemUser exchange is (SuperOffice's login service of the tenant's environment). Undefined:
       * derived from the tenant's URL.
       */
      loginUrl?: string | undefined;
    };

export type SuperOfficeCredentialKind = SuperOfficeCredentials['kind'];

export interface SuperOfficeConnectorOptions {
  /**
   * The tenant's WebAPI base, as the package takes it: `https://online3.superoffice.com/Cust12345` (Online: the
   * numbered host; an unnumbered one answers 421) or `https://crm.example.com/SuperOffice` (Onsite). The package
   * appends `api/` unless the URL already ends with it [verified: PKG `src/WebApiBase.ts` `SetBaseUrl`].
   */
  baseUrl: string;
  credentials: SuperOfficeCredentials;
  /** The task type (Settings and maintenance → Lists → Follow-ups) the appointments get, by name. */
  taskTypeName: string;
  /**
   * HISTORY_TYPE_MAP: the task type by the meeting's medium or conversation type, by name; `taskTypeName` where no
   * entry fits. Checked with the task types at Test connection and before the first delivery.
   */
  taskTypeMap?: HistoryTypeMap | undefined;
  /**
   * LINK_DEAL: whether the receiver links appointments to a company's only open sale (`DeliverOptions.linkDeal`
   * decides per delivery; SuperOffice has sales in every tenant, so nothing more is checked).
   */
  linkSale?: boolean | undefined;
  /** The owner when the presenter is not a SuperOffice user; undefined or 0 = the WebAPI's default owner. */
  defaultAssociateId?: number | undefined;
  /** PEM of a CA to trust for the tenant's certificate (Onsite with an internal CA). */
  ca?: string | undefined;
  rejectUnauthorized: boolean;
  /** Time allowed per request, in ms. */
  timeoutMs?: number | undefined;
  /** The request budget of the tenant's origin, when one is configured. */
  budget?: RequestBudget | undefined;
  /** The clock, for the ticket's renewal (tests move it). */
  now?: (() => number) | undefined;
}

/**
 * The credentials of one tenant as request headers. The connector asks before every request, so a ticket that must
 * be exchanged or renewed is, once, for all requests waiting on it.
 */
export interface SuperOfficeAuthorizer {
  /** `Authorization` (and `SO-AppToken` where one is needed) for the next request. */
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /**
   * The WebAPI refused `sentHeaders` (401), the headers an earlier `headers()` gave. True when asking again may help
   * (a ticket from the exchange: the next `headers()` exchanges a new one, unless the refused ticket was already
   * replaced — with requests in parallel, the 401s for one expired ticket come one after another); false for fixed
   * credentials (basic, a fixed ticket).
   */
  rejected(sentHeaders: Readonly<Record<string, string | undefined>>): boolean;
  /** For Test connection and logs, never a secret: `system user (client id 1a2b…)`, `basic auth as ADMIN0`. */
  describe(): string;
}
