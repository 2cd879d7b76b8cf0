import type { LimeEmulator } from './types';

/** The ids of the demo objects, for tests and the demo launcher. */
export interface DemoDataIds {
  coworkers: { sara: number; petra: number };
  companies: { acme: number; fjallbo: number; dubbelKonsult: number; dubbelBygg: number };
  persons: {
    anna: number;
    lars: number;
    pia: number;
    erik: number;
    majaDubbel: number;
    olofDubbel: number;
    inactiveGunnar: number;
  };
  history: { annaIntroCall: number };
}

/**
 * A small Swedish demo database on the core model: matching by email, by mobile and by phone, a switchboard number
 * shared by a company and its receptionist, an email shared by two persons at different companies, an inactive
 * person, and two coworkers (a seller and support).
 */
export function seedDemoData(emulator: LimeEmulator): DemoDataIds {
  const insert = (limetype: string, values: Record<string, unknown>): number => emulator.insert(limetype, values);
  const sara = insert('coworker', {
    firstname: 'Sara',
    lastname: 'Säljare',
    email: 'sara.saljare@seller.se',
    mobilephone: '070-999 88 77',
  });
  const petra = insert('coworker', { firstname: 'Petra', lastname: 'Support', email: 'petra@seller.se' });

  const acme = insert('company', {
    name: 'Acme AB',
    phone: '08-555 000 00',
    www: 'https://www.acme.se',
    postaladdress1: 'Box 123',
    postalzipcode: '111 22',
    postalcity: 'Stockholm',
    visitingaddress1: 'Storgatan 1',
    visitingzipcode: '111 22',
    visitingcity: 'Stockholm',
    country: 'Sverige',
    registrationno: '556000-0001',
    buyingstatus: 'active',
    coworker: sara,
  });
  const fjallbo = insert('company', {
    name: 'Fjällbo Logistik AB',
    phone: '031-12 34 00',
    postalcity: 'Göteborg',
    country: 'Sverige',
    registrationno: '556000-0002',
    buyingstatus: 'prospect',
    coworker: sara,
  });
  const dubbelKonsult = insert('company', { name: 'Dubbel Konsult AB', postalcity: 'Uppsala', country: 'Sverige' });
  const dubbelBygg = insert('company', { name: 'Dubbel Bygg AB', postalcity: 'Västerås', country: 'Sverige' });

  const anna = insert('person', {
    firstname: 'Anna',
    lastname: 'Andersson',
    email: 'anna.andersson@acme.se',
    mobilephone: '070-123 45 67',
    position: 'Inköpschef',
    company: acme,
  });
  const lars = insert('person', {
    firstname: 'Lars',
    lastname: 'Öberg',
    email: 'lars.oberg@acme.se',
    mobilephone: '+46 (0)76 111 22 33',
    position: 'IT-chef',
    company: acme,
  });
  const pia = insert('person', {
    firstname: 'Pia',
    lastname: 'Växel',
    phone: '08-555 000 00',
    position: 'Receptionist',
    company: acme,
  });
  const erik = insert('person', {
    firstname: 'Erik',
    lastname: 'Ek',
    email: 'erik.ek@fjallbo.se',
    phone: '031-12 34 56',
    position: 'Lagerchef',
    company: fjallbo,
  });
  const majaDubbel = insert('person', {
    firstname: 'Maja',
    lastname: 'Lind',
    email: 'info@dubbel.se',
    company: dubbelKonsult,
  });
  const olofDubbel = insert('person', {
    firstname: 'Olof',
    lastname: 'Lind',
    email: 'info@dubbel.se',
    company: dubbelBygg,
  });
  const inactiveGunnar = insert('person', {
    firstname: 'Gunnar',
    lastname: 'Gammal',
    email: 'gunnar.gammal@acme.se',
    mobilephone: '070-555 44 33',
    company: acme,
    inactive: true,
  });

  const annaIntroCall = insert('history', {
    type: 'talkedto',
    date: '2026-10-01T09:00:00+02:00',
    note: 'Introductory call about next year’s framework agreement.',
    person: anna,
    company: acme,
    coworker: sara,
  });

  return {
    coworkers: { sara, petra },
    companies: { acme, fjallbo, dubbelKonsult, dubbelBygg },
    persons: { anna, lars, pia, erik, majaDubbel, olofDubbel, inactiveGunnar },
    history: { annaIntroCall },
  };
}
