// What the demo needs from the CRM it runs against (`--crm lime|superoffice`): the emulator started and seeded with
// the demo data, the receiver's environment for it, and how to read back the records the receiver wrote. The
// connector is main.ts's own pick (makeCrmConnector.ts, by the environment's CRM). The rest of the demo is the same
// for both CRMs.

export type DemoCrmName = 'lime' | 'superoffice';

export interface DemoCrm {
  name: DemoCrmName;
  /** How users call it: `Lime`, `SuperOffice`. */
  title: string;
  /** What the receiver writes per person there: `note` (Lime's history) or `appointment` (SuperOffice's follow-up). */
  record: 'note' | 'appointment';
  /** The banner line naming the emulator, e.g. `Lime emulator: http://… (demo company and person data)`. */
  banner: string[];
  /** The receiver's environment for this CRM (LIME_* or CRM=superoffice and SUPEROFFICE_*). */
  environment: Record<string, string>;
  /** The text of the record written for a conversation (a note's text, an appointment's description). */
  recordText(conversationId: string): string | undefined;
  /** How many records the receiver wrote in all (text carrying a DCI reference). */
  countRecords(): number;
  /** Lines printed after the deliveries (e.g. how the receiver signed in). */
  epilogue(): string[];
  close(): Promise<void>;
}
