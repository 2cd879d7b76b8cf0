import { seedDemoData, startSuperOfficeEmulator, type SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { buildParticipant, buildPayload } from '../support/payloads';
import { version as packageVersion } from '../../package.json';
import { buildSuperOfficeScript, runScript, webApiFor, withConfig } from '../support/superOfficeScript';

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

describe("DCI's Test Integration and a GET check the setup and say what to fix in SuperOffice", () => {
  const testCall = (text = script) =>
    runScript(text, webApiFor(so.baseUrl, TOKEN), { body: JSON.stringify({ event: 'integration.test' }) });
  const problems = (body: Record<string, unknown>) => body['problems'] as Array<Record<string, string>>;

  it('a tenant set up right: 200, no problems, the script version, nothing written', async () => {
    const answer = await testCall();
    expect(answer).toMatchObject({ status: 200, body: { ok: true, test: true, problems: [] } });
    expect(answer.body['version']).toBe(packageVersion);
    expect(so.appointments()).toEqual([]);
    expect(so.foreignKeys()).toEqual([]);
  });

  it('a wrong task type is named, with the ones SuperOffice has', async () => {
    const answer = await testCall(withConfig(script, 'taskTypeName', "'Möte'"));
    expect(answer).toMatchObject({ status: 500, body: { ok: false, test: true } });
    expect(problems(answer.body)).toEqual([
      expect.objectContaining({ check: 'task_type', problem: expect.stringContaining('"Möte"') }),
    ]);
    expect(problems(answer.body)[0]?.['fix']).toContain('Meeting');
  });

  it('a default owner that does not exist, or is retired, is named', async () => {
    const missing = await testCall(withConfig(script, 'defaultAssociateId', '999'));
    expect(missing.status).toBe(500);
    expect(problems(missing.body)).toEqual([
      expect.objectContaining({ check: 'default_owner', problem: expect.stringContaining('999') }),
    ]);
    const retired = so.addAssociate({
      name: 'gone',
      personId: so.addPerson({ firstname: 'Ex', lastname: 'User' }),
      deleted: true,
    });
    const answer = await testCall(withConfig(script, 'defaultAssociateId', String(retired)));
    expect(problems(answer.body)).toEqual([
      expect.objectContaining({ check: 'default_owner', problem: expect.stringContaining('retired') }),
    ]);
  });

  it('missing rights to read persons, write appointments and add foreign keys are each named', async () => {
    so.setNewTableRight('person', []);
    so.setNewTableRight('appointment', ['Select', 'Update']);
    so.setNewTableRight('foreignkey', ['Select']);
    const answer = await testCall();
    expect(answer.status).toBe(500);
    expect(problems(answer.body).map((item) => [item['check'], item['problem']])).toEqual([
      ['rights', expect.stringMatching(/may not read persons/u)],
      ['rights', expect.stringMatching(/may not add, delete follow-ups/u)],
      ['rights', expect.stringMatching(/may not add foreign keys/u)],
    ]);
  });

  it('what the check names is what would fail: without the right to add appointments, a meeting is a 500', async () => {
    so.setNewTableRight('appointment', ['Select', 'Update', 'Delete']);
    expect(problems((await testCall()).body)).toHaveLength(1);
    const answer = await runScript(script, webApiFor(so.baseUrl, TOKEN), { body: meeting() });
    expect(answer).toMatchObject({ status: 500, body: { error: { code: 'superoffice_error' } } });
    expect(so.appointments()).toEqual([]);
  });

  it('creating missing contacts needs the right to add persons and companies', async () => {
    so.setNewTableRight('contact', ['Select']);
    const answer = await testCall(withConfig(script, 'createMissingContacts', 'true'));
    expect(problems(answer.body)).toEqual([
      expect.objectContaining({ check: 'rights', problem: expect.stringMatching(/may not add companies/u) }),
    ]);
    expect((await testCall()).status).toBe(200);
  });

  it('reads the method from cgiVariables given as a Map, as the editor typings declare them', async () => {
    const answer = await runScript(script, webApiFor(so.baseUrl, TOKEN), {
      body: '',
      cgiVariables: { REQUEST_METHOD: 'PUT' },
      cgiVariablesAs: 'map',
    });
    expect(answer).toMatchObject({ status: 405, body: { error: { code: 'method_not_allowed' } } });
  });

  it('a GET answers the same check', async () => {
    const answer = await runScript(withConfig(script, 'taskTypeName', "'Möte'"), webApiFor(so.baseUrl, TOKEN), {
      body: '',
      cgiVariables: { REQUEST_METHOD: 'GET' },
    });
    expect(answer).toMatchObject({ status: 500, body: { test: true, version: packageVersion } });
    expect(problems(answer.body).map((item) => item['check'])).toEqual(['task_type']);
  });
});
