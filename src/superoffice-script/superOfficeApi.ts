// The one file that knows how the script reaches SuperOffice: through the WebAPI library the script runtime
// provides as a global (shared/specs/superoffice.md §9). Everything else in the script sees only `SuperOfficeAgents`.
//
// What the vendor's own sources say the runtime gives a TypeScript-for-SuperOffice script:
// - `soApi`, a WebApi instance [verified: SuperOffice/language-tools
//   `packages/superofficedx-vscode-tsfso/src/global-webapi.d.ts`: `declare global { const soApi: WebApi; const
//   context: Icontext; }`, "A globally accessible instance of the WebApi class"]. Its agents come from
//   `soApi.getArchiveAgent()`, `getAppointmentAgent()`, `getAssociateAgent()`, `getContactAgent()`,
//   `getPersonAgent()`, `getForeignSystemAgent()`, `getSentryAgent()`, `getDocumentAgent()` [verified: @superoffice/webapi
//   `dist/cjs/WebApi.d.ts`, class `WebApi`]. The README of SuperOffice/typescript-for-superoffice: "It is also important that you import the
//   webApiHelper as soApi, as that is what the SuperOffice-environment expects" (`Helpers/webApiHelper.ts`:
//   `export const soApi = new WebApi();`), and the 2025 spec SuperOffice/dev-proposals `specs/2025/001-tsfso.md`
//   shows `const agent = soApi.getContactAgent();` [verified].
// - `RTL` (the package itself, `new RTL.PersonAgent()`) — the same README's "As long as you import this package as
//   RTL you should not have any problems"; and `SO` (`SO.getPersonAgent()`) from older examples [inferred: accepted
//   second and third, in case a runtime version or an admin's include binds those names instead].
// Whether the runtime binds soApi on the global object or in the script's own scope is not documented; the free
// identifier below reaches it either way [assumption].
import type { WebApi } from '@superoffice/webapi';

/** The agents the script uses, typed as the vendor's `WebApi.getXAgent()` returns them. */
export interface SuperOfficeAgents {
  archive: ReturnType<WebApi['getArchiveAgent']>;
  appointment: ReturnType<WebApi['getAppointmentAgent']>;
  associate: ReturnType<WebApi['getAssociateAgent']>;
  contact: ReturnType<WebApi['getContactAgent']>;
  person: ReturnType<WebApi['getPersonAgent']>;
  foreignSystem: ReturnType<WebApi['getForeignSystemAgent']>;
  sentry: ReturnType<WebApi['getSentryAgent']>;
  document: ReturnType<WebApi['getDocumentAgent']>;
}

/** The part of the vendor's `WebApi` class the script calls: what `soApi` (and an `SO` instance) is. */
type WebApiGlobal = Pick<
  WebApi,
  | 'getArchiveAgent'
  | 'getAppointmentAgent'
  | 'getAssociateAgent'
  | 'getContactAgent'
  | 'getPersonAgent'
  | 'getForeignSystemAgent'
  | 'getSentryAgent'
  | 'getDocumentAgent'
>;

interface RtlGlobal {
  ArchiveAgent: new () => SuperOfficeAgents['archive'];
  AppointmentAgent: new () => SuperOfficeAgents['appointment'];
  AssociateAgent: new () => SuperOfficeAgents['associate'];
  ContactAgent: new () => SuperOfficeAgents['contact'];
  PersonAgent: new () => SuperOfficeAgents['person'];
  ForeignSystemAgent: new () => SuperOfficeAgents['foreignSystem'];
  SentryAgent: new () => SuperOfficeAgents['sentry'];
  DocumentAgent: new () => SuperOfficeAgents['document'];
}

// Free identifiers, not `globalThis.soApi`: the runtime may inject them into the script's own scope (an import line
// it adds), where only a bare name reaches them. `typeof` keeps an absent one from throwing.
declare const soApi: WebApiGlobal | undefined;
declare const RTL: RtlGlobal | undefined;
declare const SO: WebApiGlobal | undefined;

/** Only an object that has the methods is taken: a runtime could define the name as something else. */
function isWebApi(candidate: unknown): candidate is WebApiGlobal {
  return typeof (candidate as Partial<WebApiGlobal> | undefined)?.getPersonAgent === 'function';
}

function agentsOf(api: WebApiGlobal): SuperOfficeAgents {
  return {
    archive: api.getArchiveAgent(),
    appointment: api.getAppointmentAgent(),
    associate: api.getAssociateAgent(),
    contact: api.getContactAgent(),
    person: api.getPersonAgent(),
    foreignSystem: api.getForeignSystemAgent(),
    sentry: api.getSentryAgent(),
    document: api.getDocumentAgent(),
  };
}

/** The runtime's WebAPI agents: `soApi` first, then `RTL`, then `SO`; undefined when none exists. */
export function superOfficeAgents(): SuperOfficeAgents | undefined {
  const runtimeApi = typeof soApi === 'undefined' ? undefined : soApi;
  if (isWebApi(runtimeApi)) return agentsOf(runtimeApi);
  const rtl = typeof RTL === 'undefined' ? undefined : RTL;
  if (typeof rtl?.PersonAgent === 'function') {
    return {
      archive: new rtl.ArchiveAgent(),
      appointment: new rtl.AppointmentAgent(),
      associate: new rtl.AssociateAgent(),
      contact: new rtl.ContactAgent(),
      person: new rtl.PersonAgent(),
      foreignSystem: new rtl.ForeignSystemAgent(),
      sentry: new rtl.SentryAgent(),
      document: new rtl.DocumentAgent(),
    };
  }
  const so = typeof SO === 'undefined' ? undefined : SO;
  return isWebApi(so) ? agentsOf(so) : undefined;
}
