import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { builtProduct } from '../support/receiverProcess';

// `npm run demo` as a user runs it (the compiled launcher): every delivery goes through, and DCI's documented
// webhook, which carries no links, notes or phones, ends as a note with links and a caller matched by mobile.
// `--crm superoffice` runs the same demo against the SuperOffice emulator, signed in as an Online system user: the
// same people end the same way, as appointments.

jest.setTimeout(60_000);

const run = promisify(execFile);

function runDemo(args: string[] = []) {
  return run(process.execPath, [join(builtProduct().distDir, 'receiver', 'demo', 'runDemo.js'), ...args], {
    timeout: 45_000,
    // The compiled files live outside the repository: they find its dependencies through NODE_PATH.
    env: { ...process.env, NODE_PATH: join(__dirname, '..', '..', 'node_modules') },
  });
}

it('the demo exits 0, delivers every sample, and shows the DCI webhook enriched into a note with links', async () => {
  const { stdout } = await runDemo();

  expect(stdout).toContain("DCI's documented webhook, enriched from DCI's REST API");
  expect(stdout).toMatch(/absent are url, recording_url, transcript_url, notes, participant phones/u);
  expect(stdout).toMatch(/enrichment: complete; added: .*recording link.*participant phones/u);
  expect(stdout).toMatch(/- Anna Andersson: written, matched by mobile/u);
  expect(stdout).toMatch(/- Lars Öberg: written, matched by email/u);
  expect(stdout).toMatch(
    /Links:\n\s+- Session in DCI: https:\/\/app\.dci-emulator\.test\/conversations\/[0-9a-f-]+\n\s+- Recording: https:\/\//u,
  );
  // A call through Acme's switchboard: no person, but Acme for certain — one note on Acme alone.
  expect(stdout).toMatch(
    /- Acme reception: company note: no person certain, the company is \(note \d+\)\n.*main number of company (\d+) → no person chosen; company \1 only → company note \d+ written/u,
  );
  expect(stdout).toContain('7 of 7 deliveries delivered.');
  expect(stdout).not.toContain('UNEXPECTED');
});

it('--crm superoffice: the same meetings end the same way as appointments, signed in as a system user', async () => {
  const { stdout } = await runDemo(['--crm', 'superoffice']);

  expect(stdout).toMatch(/SuperOffice emulator: http:\/\/127\.0\.0\.1:\d+\/Cust12345/u);
  expect(stdout).toMatch(/signing in as an Online system user: PartnerSystemUser at http:\/\//u);
  expect(stdout).not.toMatch(/\bLime\b|\bnote \d/u);
  // The re-sent first meeting updated the two customers' appointments; colleagues skipped.
  expect(stdout).toMatch(/- Anna Andersson: appointment updated in place \(matched by email\) \(appointment \d+\)/u);
  expect(stdout).toMatch(/- Lars Öberg: appointment updated in place \(matched by email\) \(appointment \d+\)/u);
  expect(stdout).toMatch(/- Johan Teknik: skipped: colleague/u);
  expect(stdout).toMatch(/- Caller: appointment written \(matched by mobile\) \(appointment \d+\)/u);
  expect(stdout).toMatch(
    /- Acme reception: company appointment: no person certain, the company is \(appointment \d+\)\n.*main number of company (\d+) → no person chosen; company \1 only → company appointment \d+ written/u,
  );
  expect(stdout).toMatch(/- Erik Ek: appointment written \(matched by email\)/u);
  expect(stdout).toMatch(/- Besökare från lagret: skipped: no e-mail or phone/u);
  expect(stdout).toMatch(/- Dubbel Bygg: appointment written \(matched by email\)[^\n]*\n.*resolved ambiguity/u);
  expect(stdout).toMatch(/- Nils Ny: skipped: no matching person in SuperOffice/u);
  // DCI's bare webhook, enriched, ends as an appointment whose description carries the links.
  expect(stdout).toMatch(/enrichment: complete; added: .*recording link.*participant phones/u);
  expect(stdout).toMatch(/- Anna Andersson: written, matched by mobile \(appointment \d+\)/u);
  expect(stdout).toMatch(
    /the appointment in SuperOffice, its Links section:\n\s+Links:\n\s+- Session in DCI: https:\/\/app\.dci-emulator\.test\/conversations\/[0-9a-f-]+\n\s+- Recording: https:\/\//u,
  );
  // 7 on persons, 1 on Acme alone (its switchboard's company note).
  expect(stdout).toContain('SuperOffice now holds 8 DCI appointments; the re-sent meeting updated its appointments');
  expect(stdout).toContain('The receiver signed in with 1 system-user ticket exchange(s)');
  expect(stdout).toContain('7 of 7 deliveries delivered.');
  expect(stdout).not.toContain('UNEXPECTED');
});

it('--help prints the usage and exits 0; an unknown CRM prints it on stderr and exits 2', async () => {
  const help = await runDemo(['--help']);
  expect(help.stdout).toContain('usage: npm run demo [-- --crm lime|superoffice]');

  const refused = await runDemo(['--crm', 'dynamics']).then(
    () => undefined,
    (error: { code?: number; stderr?: string }) => error,
  );
  expect(refused?.code).toBe(2);
  expect(refused?.stderr).toContain('--crm must be lime or superoffice, not dynamics');
  expect(refused?.stderr).toContain('usage: npm run demo');
});
