// The one file that knows how the script reaches SuperOffice: through the WebAPI library the script runtime
// provides as a global (shared/specs/superoffice.md §9). The runtime documents `RTL` (the @superoffice/webapi
// package, configured with the tenant's connection: `new RTL.PersonAgent()`); some examples use a `WebApi`
// instance `SO` (`SO.getPersonAgent()`). Everything else in the script sees only `SuperOfficeAgents`.
import type {
  AppointmentAgent,
  ArchiveAgent,
  AssociateAgent,
  ContactAgent,
  ForeignSystemAgent,
  PersonAgent,
} from '@superoffice/webapi';

/** The agents the script uses. */
export interface SuperOfficeAgents {
  archive: ArchiveAgent;
  appointment: AppointmentAgent;
  associate: AssociateAgent;
  contact: ContactAgent;
  person: PersonAgent;
  foreignSystem: ForeignSystemAgent;
}

interface RtlGlobal {
  ArchiveAgent: new () => ArchiveAgent;
  AppointmentAgent: new () => AppointmentAgent;
  AssociateAgent: new () => AssociateAgent;
  ContactAgent: new () => ContactAgent;
  PersonAgent: new () => PersonAgent;
  ForeignSystemAgent: new () => ForeignSystemAgent;
}

interface SoGlobal {
  getArchiveAgent(): ArchiveAgent;
  getAppointmentAgent(): AppointmentAgent;
  getAssociateAgent(): AssociateAgent;
  getContactAgent(): ContactAgent;
  getPersonAgent(): PersonAgent;
  getForeignSystemAgent(): ForeignSystemAgent;
}

// Free identifiers, not `globalThis.RTL`: the runtime may inject them into the script's own scope (an import line
// it adds), where only a bare name reaches them. `typeof` keeps an absent one from throwing.
declare const RTL: RtlGlobal | undefined;
declare const SO: SoGlobal | undefined;

/** The runtime's WebAPI agents: `RTL` preferred, `SO` accepted; undefined when neither exists. */
export function superOfficeAgents(): SuperOfficeAgents | undefined {
  const rtl = typeof RTL === 'undefined' ? undefined : RTL;
  if (rtl) {
    return {
      archive: new rtl.ArchiveAgent(),
      appointment: new rtl.AppointmentAgent(),
      associate: new rtl.AssociateAgent(),
      contact: new rtl.ContactAgent(),
      person: new rtl.PersonAgent(),
      foreignSystem: new rtl.ForeignSystemAgent(),
    };
  }
  const so = typeof SO === 'undefined' ? undefined : SO;
  if (so) {
    return {
      archive: so.getArchiveAgent(),
      appointment: so.getAppointmentAgent(),
      associate: so.getAssociateAgent(),
      contact: so.getContactAgent(),
      person: so.getPersonAgent(),
      foreignSystem: so.getForeignSystemAgent(),
    };
  }
  return undefined;
}
