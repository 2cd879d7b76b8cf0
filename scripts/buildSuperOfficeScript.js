// `npm run build:superoffice`: bundles src/superoffice-script with what it needs from src/core into ONE file an
// admin pastes into SuperOffice (no import/require; `context`, `soApi`/`RTL`/`SO` left as the runtime's globals),
// with the configuration block on top, plus the %EJSCRIPT_START% variant. Prints the sizes.
'use strict';
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const esbuild = require('esbuild');
const { version } = require('../package.json');

const root = join(__dirname, '..');
const outDir = join(root, 'dist', 'superoffice');

function configBlock() {
  return `// DCI CRM Companion — SuperOffice endpoint script ${version}
// Puts Dstny Conversational Intelligence meeting summaries into SuperOffice as completed follow-ups.
// Install: see docs/superoffice.md in the repository. Change only the values in DCI_CONFIG below.
const DCI_CONFIG = {
  // Task type (follow-up type) of the appointments written, by its name in SuperOffice (Settings → Lists).
  taskTypeName: 'Meeting',
  // Associate id that owns an appointment when the presenter is not a SuperOffice user; 0 = the script's user.
  defaultAssociateId: 0,
  // Region for phone numbers written without a country code: SE, NO, DK, FI, …
  phoneRegion: 'SE',
  // Your own e-mail domains, e.g. ['yourcompany.se']: those participants are colleagues, never matched.
  internalDomains: [],
  // true: create a missing company and person when nobody matches (DCI's "Create contact in CRM").
  createMissingContacts: false,
  // Your SuperOffice tenant's base time zone (IANA name): appointment times and dates in the text are written in it.
  timeZone: 'Europe/Stockholm',
  // Longest description SuperOffice keeps (its text table holds 2047 characters); longer summaries are shortened.
  maxDescriptionLength: 2047,
};
// ---- Do not change anything below this line. ----
`;
}

async function build() {
  mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [join(root, 'src', 'superoffice-script', 'main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    // Type-only in the source; the runtime provides the library itself.
    external: ['@superoffice/webapi'],
    // The version the setup check (a GET, or DCI's Test Integration) reports.
    define: { __DCI_SCRIPT_VERSION__: JSON.stringify(version) },
    minify: true,
    legalComments: 'none',
    tsconfig: join(root, 'tsconfig.superoffice.json'),
    logLevel: 'warning',
  });
  const [output] = result.outputFiles;
  const bundle = output.text;
  if (/\brequire\(|^\s*import[\s{*]|^\s*export\s/mu.test(bundle)) {
    throw new Error('the bundle still contains import/require/export: it would not run when pasted into SuperOffice');
  }
  const script = `${configBlock()}${bundle}`;
  const wrapped = `%EJSCRIPT_START%\n<%\n${script}\n%>\n%EJSCRIPT_END%\n`;
  const scriptFile = join(outDir, 'dci-summary-endpoint.js');
  const wrappedFile = join(outDir, 'dci-summary-endpoint.ejscript.txt');
  writeFileSync(scriptFile, script);
  writeFileSync(wrappedFile, wrapped);
  const kib = (text) => `${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB`;
  console.log(`SuperOffice script: ${scriptFile} (${kib(script)})`);
  console.log(`  wrapped for the %EJSCRIPT% editor form: ${wrappedFile} (${kib(wrapped)})`);
}

build().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
