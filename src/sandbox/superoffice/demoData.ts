import type { SuperOfficeEmulator } from './types';

/** The ids of the demo rows, for tests and the demo launcher. */
export interface DemoDataIds {
  contacts: { seller: number; acme: number; fjallbo: number; dubbelKonsult: number; dubbelBygg: number };
  persons: {
    sara: number;
    petra: number;
    anna: number;
    lars: number;
    pia: number;
    erik: number;
    majaDubbel: number;
    olofDubbel: number;
    retiredGunnar: number;
  };
  associates: { sara: number; petra: number };
  tasks: { meeting: number; phone: number; note: number; other: number; deletedMeeting: number };
}

/**
 * The Lime demo's Swedish database (src/sandbox/lime/demoData.ts) in SuperOffice terms: matching by email, by
 * mobile and by phone, a switchboard number shared by a company and its receptionist, an email shared by two persons
 * at different companies, a former employee, two users (a seller and support) who are persons at the own company,
 * and task list items with one deleted.
 */
export function seedDemoData(emulator: SuperOfficeEmulator): DemoDataIds {
  const seller = emulator.addContact({ name: 'Seller AB', phones: ['08-700 00 00'], emails: ['info@seller.se'] });
  const saraPerson = emulator.addPerson({
    firstname: 'Sara',
    lastname: 'Säljare',
    contactId: seller,
    emails: ['sara.saljare@seller.se'],
    mobilePhones: ['070-999 88 77'],
  });
  const petraPerson = emulator.addPerson({
    firstname: 'Petra',
    lastname: 'Support',
    contactId: seller,
    emails: ['petra@seller.se'],
  });
  const saraAssociate = emulator.addAssociate({ personId: saraPerson, name: 'SARA' });
  const petraAssociate = emulator.addAssociate({ personId: petraPerson, name: 'PETRA' });

  const acme = emulator.addContact({ name: 'Acme AB', phones: ['08-555 000 00'], emails: ['info@acme.se'] });
  const fjallbo = emulator.addContact({ name: 'Fjällbo Logistik AB', phones: ['031-12 34 00'] });
  const dubbelKonsult = emulator.addContact({ name: 'Dubbel Konsult AB' });
  const dubbelBygg = emulator.addContact({ name: 'Dubbel Bygg AB' });

  const anna = emulator.addPerson({
    firstname: 'Anna',
    lastname: 'Andersson',
    contactId: acme,
    emails: ['anna.andersson@acme.se'],
    mobilePhones: ['070-123 45 67'],
  });
  const lars = emulator.addPerson({
    firstname: 'Lars',
    lastname: 'Öberg',
    contactId: acme,
    emails: ['lars.oberg@acme.se'],
    mobilePhones: ['+46 (0)76 111 22 33'],
  });
  const pia = emulator.addPerson({
    firstname: 'Pia',
    lastname: 'Växel',
    contactId: acme,
    officePhones: ['08-555 000 00'],
  });
  const erik = emulator.addPerson({
    firstname: 'Erik',
    lastname: 'Ek',
    contactId: fjallbo,
    emails: ['erik.ek@fjallbo.se'],
    officePhones: ['031-12 34 56'],
  });
  const majaDubbel = emulator.addPerson({
    firstname: 'Maja',
    lastname: 'Lind',
    contactId: dubbelKonsult,
    emails: ['info@dubbel.se'],
  });
  const olofDubbel = emulator.addPerson({
    firstname: 'Olof',
    lastname: 'Lind',
    contactId: dubbelBygg,
    emails: ['info@dubbel.se'],
  });
  const retiredGunnar = emulator.addPerson({
    firstname: 'Gunnar',
    lastname: 'Gammal',
    contactId: acme,
    emails: ['gunnar.gammal@acme.se'],
    mobilePhones: ['070-555 44 33'],
    retired: true,
  });

  const meeting = emulator.addTaskListItem({ value: 'Meeting' });
  const phone = emulator.addTaskListItem({ value: 'Phone', type: 'Phone' });
  const note = emulator.addTaskListItem({ value: 'Note' });
  const other = emulator.addTaskListItem({ value: 'Other' });
  const deletedMeeting = emulator.addTaskListItem({ value: 'Meeting (old)', deleted: true });

  return {
    contacts: { seller, acme, fjallbo, dubbelKonsult, dubbelBygg },
    persons: {
      sara: saraPerson,
      petra: petraPerson,
      anna,
      lars,
      pia,
      erik,
      majaDubbel,
      olofDubbel,
      retiredGunnar,
    },
    associates: { sara: saraAssociate, petra: petraAssociate },
    tasks: { meeting, phone, note, other, deletedMeeting },
  };
}
