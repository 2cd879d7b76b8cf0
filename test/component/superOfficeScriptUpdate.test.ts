// Installing and updating the SuperOffice script without re-typing its settings (docs/superoffice.md, "Update"), and
// the sample summary an admin sends by hand ("Test without DCI"): the built files, run as SuperOffice runs them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedDemoData, startSuperOfficeEmulator, type SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { buildSuperOfficeScript, runScript, webApiFor, withConfig } from '../support/superOfficeScript';

const TOKEN = 'test-token';
const BUILT = join(__dirname, '..', '..', 'dist', 'superoffice');
const MARKER = '// ---- Do not change anything below this line. ----\n';

let oneFile: string;
let includeForm: string;
let configScript: string;
let sample: Record<string, unknown>;
let so: SuperOfficeEmulator;
let ids: ReturnType<typeof seedDemoData>;

beforeAll(() => {
  oneFile = buildSuperOfficeScript();
  includeForm = readFileSync(join(BUILT, 'dci-summary-endpoint-include-form.js'), 'utf8');
  configScript = readFileSync(join(BUILT, 'dci-summary-config.js'), 'utf8');
  sample = JSON.parse(readFileSync(join(BUILT, 'dci-summary-sample.json'), 'utf8')) as Record<string, unknown>;
});
beforeEach(async () => {
  so = await startSuperOfficeEmulator({ tokens: [TOKEN] });
  ids = seedDemoData(so);
});
afterEach(() => so.close());

/**
 * The script text SuperOffice runs for an endpoint script with `///<include includeId="…">` lines: each replaced by
 * the included script's text, as SuperOffice's own language server resolves them [verified: SuperOffice/language-tools
 * `packages/language-server/src/parser/parser.ts`, `resolveIncludesAndGenerateSourceMap`; assumption: the runtime
 * includes the same way]. An include of a script that does not exist leaves nothing.
 */
function resolveIncludes(script: string, scripts: Record<string, string>): string {
  return script
    .split('\n')
    .map((line) => {
      const include = /\/\/\/\s*<include\s+includeId="(.*?)">/u.exec(line.trim());
      return include ? (scripts[include[1] ?? ''] ?? '') : line;
    })
    .join('\n');
}

const run = (script: string, payload: unknown) =>
  runScript(script, webApiFor(so.baseUrl, TOKEN), { body: JSON.stringify(payload) });
const installed = (config = configScript) => resolveIncludes(includeForm, { 'dci-summary-config': config });
const meeting = (email: string) => ({
  ...sample,
  data: {
    conversation: {
      ...(sample['data'] as { conversation: Record<string, unknown> }).conversation,
      user: { name: 'Sara Säljare', email: 'sara.saljare@seller.se' },
      participants: [{ name: 'Anna Andersson', email, role: 'customer' }],
    },
  },
});

describe('the include form: settings in a configuration script of their own', () => {
  it('with the configuration script, a meeting is written as with the one-file form', async () => {
    const answer = await run(installed(), meeting('anna.andersson@acme.se'));
    expect(answer.status).toBe(200);
    expect(so.appointments()).toEqual([
      expect.objectContaining({ personId: ids.persons.anna, associateId: ids.associates.sara }),
    ]);
  });

  it("the admin's settings in the configuration script are the ones the endpoint uses", async () => {
    const answer = await run(
      installed(withConfig(configScript, 'taskTypeName', "'No such type'")),
      meeting('anna.andersson@acme.se'),
    );
    expect(answer).toMatchObject({ status: 500, body: { error: { code: 'task_type_not_found' } } });
    expect(so.appointments()).toEqual([]);
  });

  it('an update keeps the settings: a configuration script of an older version without newer settings still works, and Test Integration names what took its default', async () => {
    const older = configScript
      .replace(/^ {2}\/\/ Longest description.*\n {2}maxDescriptionLength: .*\n/mu, '')
      .replace(/^ {2}\/\/ Your SuperOffice tenant's base time zone.*\n {2}timeZone: .*\n/mu, '');
    expect(older).not.toContain('timeZone');
    const check = await run(installed(older), { event: 'integration.test' });
    expect(check.status).toBe(200);
    expect(check.body['problems']).toEqual([
      expect.objectContaining({
        check: 'config_defaults',
        blocking: false,
        problem: expect.stringContaining('does not set timeZone, maxDescriptionLength') as unknown,
      }),
    ]);
    const answer = await run(installed(older), meeting('anna.andersson@acme.se'));
    expect(answer.status).toBe(200);
    expect(so.appointments()).toHaveLength(1);
  });

  it('without the configuration script, the endpoint answers 500 config_missing naming the include name, and writes nothing', async () => {
    const answer = await run(installed(''), meeting('anna.andersson@acme.se'));
    expect(answer).toMatchObject({ status: 500, body: { error: { code: 'config_missing' } } });
    expect(JSON.stringify(answer.body)).toContain('Include name \\"dci-summary-config\\"');
    expect(so.appointments()).toEqual([]);
  });

  it('a misspelt setting is refused by name, never silently ignored', async () => {
    const misspelt = configScript.replace('taskTypeName:', 'taskTypeNmae:');
    const answer = await run(installed(misspelt), meeting('anna.andersson@acme.se'));
    expect(answer).toMatchObject({ status: 500, body: { error: { code: 'config_invalid' } } });
    expect(JSON.stringify(answer.body)).toContain('taskTypeNmae');
    expect(so.appointments()).toEqual([]);
  });

  it('the configuration script and the one-file form carry the same settings, and the include form carries none', () => {
    const settings = (text: string) => /const DCI_CONFIG = \{[\s\S]*?\n\};\n/u.exec(text)?.[0];
    expect(settings(configScript)).toBeDefined();
    expect(settings(configScript)).toBe(settings(oneFile));
    expect(includeForm).not.toContain('const DCI_CONFIG');
    expect(includeForm.split('\n').filter((line) => line.startsWith('///<include'))).toEqual([
      '///<include includeId="dci-summary-config">',
    ]);
  });
});

describe('the one-file form: updated by replacing what is below the marker line', () => {
  it("the new version's code below the admin's settings runs with those settings", async () => {
    const admins = withConfig(oneFile, 'taskTypeName', "'No such type'");
    expect(admins.split(MARKER)).toHaveLength(2);
    const updated = `${admins.split(MARKER)[0] ?? ''}${MARKER}${oneFile.split(MARKER)[1] ?? ''}`;
    const answer = await run(updated, meeting('anna.andersson@acme.se'));
    expect(answer).toMatchObject({ status: 500, body: { error: { code: 'task_type_not_found' } } });
  });
});

describe('the sample summary an admin sends by hand', () => {
  it('is a valid summary: with its participant e-mail set to a person in SuperOffice, one follow-up is written, owned by the presenter', async () => {
    const answer = await run(oneFile, meeting('anna.andersson@acme.se'));
    expect(answer.status).toBe(200);
    expect(answer.body['results']).toEqual([expect.objectContaining({ outcome: 'written' })]);
    expect(so.appointments()).toEqual([
      expect.objectContaining({ personId: ids.persons.anna, associateId: ids.associates.sara }),
    ]);
  });

  it('sent again, it updates the same follow-up instead of adding one', async () => {
    await run(oneFile, meeting('anna.andersson@acme.se'));
    const again = await run(oneFile, meeting('anna.andersson@acme.se'));
    expect(again.body['results']).toEqual([expect.objectContaining({ outcome: 'updated' })]);
    expect(so.appointments()).toHaveLength(1);
  });

  it('as built (example.com and example.org addresses), it is answered 200 with no_match and writes nothing', async () => {
    const answer = await run(oneFile, sample);
    expect(answer.status).toBe(200);
    expect(answer.body['results']).toEqual([expect.objectContaining({ outcome: 'no_match' })]);
    expect(so.appointments()).toEqual([]);
  });
});
