import { seedDemoData, startSuperOfficeEmulator, type SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { buildParticipant, buildPayload } from '../support/payloads';
import { buildSuperOfficeScript, runScript, webApiFor } from '../support/superOfficeScript';

// The script as TypeScript-for-SuperOffice runs it: the runtime's WebAPI is `soApi`, a WebApi instance
// (SuperOffice/language-tools `packages/superofficedx-vscode-tsfso/src/global-webapi.d.ts`), and the script is saved
// under an include ID the admin chooses.

const TOKEN = 'runtime-token';
let script: string;
let so: SuperOfficeEmulator;

beforeAll(() => {
  script = buildSuperOfficeScript();
});
beforeEach(async () => {
  so = await startSuperOfficeEmulator({ tokens: [TOKEN] });
  seedDemoData(so);
});
afterEach(() => so.close());

const meeting = () =>
  JSON.stringify(buildPayload({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] }));

describe('the SuperOffice script finds the WebAPI the way the runtime gives it', () => {
  it.each(['global', 'lexical'] as const)('with only soApi (%s), a meeting is written', async (binding) => {
    const answer = await runScript(script, webApiFor(so.baseUrl, TOKEN), { body: meeting(), rtlBinding: binding });
    expect(answer.status).toBe(200);
    expect(so.appointments()).toHaveLength(1);
  });

  it('soApi is used before RTL when the runtime defines both', async () => {
    // An RTL that fails on first touch: reaching for it before soApi would make the run throw.
    const poisonedRtl = "const RTL = new Proxy({}, { get() { throw new Error('RTL was used before soApi'); } });\n";
    const answer = await runScript(poisonedRtl + script, webApiFor(so.baseUrl, TOKEN), { body: meeting() });
    expect(answer.status).toBe(200);
    expect(so.appointments()).toHaveLength(1);
  });

  it.each(['RTL', 'SO'] as const)('a runtime that gives %s instead still works', async (name) => {
    const answer = await runScript(script, webApiFor(so.baseUrl, TOKEN), { body: meeting(), inject: name });
    expect(answer.status).toBe(200);
    expect(so.appointments()).toHaveLength(1);
  });

  it('a name bound to something that is not a WebApi is not mistaken for one', async () => {
    const answer = await runScript('const soApi = {};\n' + script, undefined, { body: meeting() });
    expect(answer).toMatchObject({ status: 500, body: { error: { code: 'webapi_missing' } } });
  });

  it('without soApi the answer tells the admin the script must run as TypeScript on an enabled tenant', async () => {
    const answer = await runScript(script, undefined, { body: meeting() });
    expect(answer).toMatchObject({ status: 500, body: { ok: false, error: { code: 'webapi_missing' } } });
    expect(JSON.stringify(answer.body)).toMatch(/soApi.*TypeScript/u);
  });
});

describe('the SuperOffice script runs under whatever include ID it is saved as', () => {
  it.each(['dci-summary', 'dci_crm_companion', 'DCI-Integration-42'])('include ID %s', async (includeId) => {
    const answer = await runScript(script, webApiFor(so.baseUrl, TOKEN), {
      body: meeting(),
      cgiVariables: { includeId },
    });
    expect(answer.status).toBe(200);
    expect(so.appointments()).toHaveLength(1);
  });
});
