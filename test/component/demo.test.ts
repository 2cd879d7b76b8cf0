import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { builtProduct } from '../support/receiverProcess';

// `npm run demo` as a user runs it (the compiled launcher): every delivery goes through, and DCI's documented
// webhook, which carries no links, notes or phones, ends as a note with links and a caller matched by mobile.

jest.setTimeout(60_000);

it('the demo exits 0, delivers every sample, and shows the DCI webhook enriched into a note with links', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(builtProduct().distDir, 'receiver', 'demo', 'runDemo.js')],
    {
      timeout: 45_000,
      // The compiled files live outside the repository: they find its dependencies through NODE_PATH.
      env: { ...process.env, NODE_PATH: join(__dirname, '..', '..', 'node_modules') },
    },
  );

  expect(stdout).toContain("DCI's documented webhook, enriched from DCI's REST API");
  expect(stdout).toMatch(/absent are url, recording_url, transcript_url, notes, participant phones/u);
  expect(stdout).toMatch(/enrichment: complete; added: .*recording link.*participant phones/u);
  expect(stdout).toMatch(/- Anna Andersson: written, matched by mobile/u);
  expect(stdout).toMatch(/- Lars Öberg: written, matched by email/u);
  expect(stdout).toMatch(
    /Links:\n\s+- Session in DCI: https:\/\/app\.dci-emulator\.test\/conversations\/[0-9a-f-]+\n\s+- Recording: https:\/\//u,
  );
  expect(stdout).toContain('7 of 7 deliveries delivered.');
  expect(stdout).not.toContain('UNEXPECTED');
});
