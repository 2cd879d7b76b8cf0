// The SuperOffice tenant the `superoffice` benchmark delivers to: the emulator's demo data (the presenter Sara is an
// associate) plus what the end-to-end benchmark seeds in Lime (endToEnd.bench.ts): 2,000 other persons with e-mail
// and mobile at five companies, and 20 customers to meet, each with an e-mail and a mobile number, matched by e-mail.
import type { SuperOfficeEmulator } from '../src/sandbox/superoffice';
import type { BenchParticipant } from './benchPayloads';

export const NOISE_PERSONS = 2_000;
const COMPANIES = ['Acme AB', 'Fjällbo Logistik AB', 'Beta Bygg AB', 'Gamma Konsult AB', 'Delta Data AB'];

/** Seeds `so` (which already holds the demo data) and returns the 20 customers, as the Lime benchmark does. */
export function seedBenchTenant(so: SuperOfficeEmulator): BenchParticipant[] {
  const companies = COMPANIES.map(
    (name, index) =>
      so.contacts().find((contact) => contact.name === name)?.contactId ??
      so.addContact({ name, phones: [`08-555 ${String(index).padStart(3, '0')} 00`] }),
  );
  for (let i = 0; i < NOISE_PERSONS; i += 1) {
    so.addPerson({
      firstname: 'Other',
      lastname: String(i),
      emails: [`other.${i}@example.se`],
      mobilePhones: [
        `070-${String(2_000_000 + i).slice(0, 3)} ${String(i % 100).padStart(2, '0')} ${String(i % 97).padStart(2, '0')}`,
      ],
      contactId: companies[i % companies.length] ?? 0,
    });
  }
  return Array.from({ length: 20 }, (_, i) => {
    const company = COMPANIES[i % COMPANIES.length] ?? 'Acme AB';
    const email = `customer.${i}@customer${i % COMPANIES.length}.se`;
    const digits = String(i).padStart(2, '0');
    so.addPerson({
      firstname: 'Customer',
      lastname: String(i),
      emails: [email],
      mobilePhones: [`073-555 00 ${digits}`],
      contactId: companies[i % companies.length] ?? 0,
    });
    return { name: `Customer ${i}`, email, company, mobilePhone: `+46 73 555 00 ${digits}` };
  });
}

/** `Agent/Method` of a logged request path (`/api/v1/Agents/Archive/GetArchiveListByColumns2` → `Archive/Get…`). */
export function agentMethod(path: string): string {
  const match = /\/Agents\/([^/]+)\/([^/?]+)/iu.exec(path);
  return match ? `${match[1]}/${match[2]}` : path;
}
