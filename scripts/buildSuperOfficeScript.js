// `npm run build:superoffice`: bundles src/superoffice-script with what it needs from src/core into ONE file an
// admin pastes into SuperOffice (no import/require; `context`, `soApi`/`RTL`/`SO` left as the runtime's globals),
// with the configuration block on top, plus the %EJSCRIPT_START% variant; the include form (the code, including a
// configuration script of its own, so an update leaves the settings alone) with that configuration script; and a
// sample summary to send by hand. Prints the sizes; `--analyze` also prints what takes the bytes (esbuild's metafile
// analysis).
'use strict';
const { copyFileSync, mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const esbuild = require('esbuild');
const { version } = require('../package.json');
const phoneRegions = require('../src/superoffice-script/phoneRegions.json');

const root = join(__dirname, '..');
const outDir = join(root, 'dist', 'superoffice');

/** The include name of the configuration script the include form of the endpoint script includes. */
const CONFIG_INCLUDE_ID = 'dci-summary-config';

function configDeclaration() {
  return `const DCI_CONFIG = {
  // Task type (follow-up type) of the appointments written, by its name in SuperOffice (Settings → Lists).
  taskTypeName: 'Meeting',
  // Associate id that owns an appointment when the presenter is not a SuperOffice user; 0 = the script's user.
  defaultAssociateId: 0,
  // Region for phone numbers written without a country code. The script reads numbers of these regions only:
  // ${phoneRegions.join(', ')}.
  phoneRegion: 'SE',
  // Your own e-mail domains, e.g. ['yourcompany.se']: those participants are colleagues, never matched.
  internalDomains: [],
  // true: create a missing company and person when nobody matches (DCI's "Create contact in CRM").
  createMissingContacts: false,
  // true: when no person is certain but the company is (its switchboard number, an e-mail domain all of whose persons
  // work there; never free mail or your own domains), one follow-up on the company alone. false: nothing written.
  companyNotes: true,
  // Your SuperOffice tenant's base time zone (IANA name): appointment times and dates in the text are written in it.
  timeZone: 'Europe/Stockholm',
  // Longest description SuperOffice keeps (its text table holds 2047 characters); longer summaries are shortened.
  maxDescriptionLength: 2047,
  // Language of the appointment's text (labels, dates and times): 'en', 'sv', 'nb', 'da' or 'fi'.
  noteLanguage: 'en',
  // true: link each appointment to its company's sale when the company has exactly one open sale (none or several:
  // no link).
  linkSale: false,
  // Task type by the kind of meeting, overriding taskTypeName: entries medium:<value>=<task type> or
  // conversation_type:<value>=<task type>, separated by commas, e.g. 'medium:call=Phone, conversation_type:demo=Demo'.
  // The conversation type wins over the medium. Empty: every appointment gets taskTypeName.
  taskTypeMap: '',
};
`;
}

/** The one-file form: the configuration block on top, then the code. */
function configBlock() {
  return `// DCI CRM Companion — SuperOffice endpoint script ${version}
// Puts Dstny Conversational Intelligence meeting summaries into SuperOffice as completed follow-ups.
// Install: see docs/superoffice.md in the repository. Change only the values in DCI_CONFIG below.
${configDeclaration()}// ---- Do not change anything below this line. ----
`;
}

/** The include form, part 1: the configuration script, saved once with Include name CONFIG_INCLUDE_ID and kept. */
function configScript() {
  return `// DCI CRM Companion — configuration of the SuperOffice endpoint script (written by version ${version})
// Save it as a script of its own with Include name "${CONFIG_INCLUDE_ID}"; the endpoint script includes it.
// Keep this script when you update the endpoint script: your settings stay here. A setting left out takes its
// default (Test Integration lists which). Change only the values below.
${configDeclaration()}`;
}

/** The include form, part 2: the endpoint script without settings; an update replaces all of it. */
function includingHeader() {
  return `// DCI CRM Companion — SuperOffice endpoint script ${version} (include form)
// Reads its settings from the script with Include name "${CONFIG_INCLUDE_ID}" (dci-summary-config.js).
// To update, replace this whole script with the new version's text. Do not change anything here.
///<include includeId="${CONFIG_INCLUDE_ID}">
`;
}

/**
 * libphonenumber's full ("max") metadata restricted to the regions the script reads numbers in
 * (src/superoffice-script/phoneRegions.json): the same per-region data, so a number of those regions reads exactly
 * as in the receiver; a number of another country code finds no metadata and is `invalid` (never matched), never
 * read as something else. The full metadata is about 156 KB, half the script.
 */
function restrictedPhoneMetadata() {
  const full = require('libphonenumber-js/metadata.max.json');
  const countries = {};
  for (const region of phoneRegions) {
    if (full.countries[region] === undefined)
      throw new Error(`phoneRegions.json: libphonenumber has no region ${region}`);
    countries[region] = full.countries[region];
  }
  const callingCodes = {};
  for (const [code, regions] of Object.entries(full.country_calling_codes)) {
    const kept = regions.filter((region) => phoneRegions.includes(region));
    if (kept.length === 0) continue;
    // The first region of a calling code holds its shared formats (GB for +44, US for +1): it must stay.
    if (kept[0] !== regions[0]) throw new Error(`phoneRegions.json: +${code} needs its main region ${regions[0]}`);
    callingCodes[code] = kept;
  }
  return { version: full.version, country_calling_codes: callingCodes, countries };
}

/**
 * Only in this bundle: `libphonenumber-js/max` (what src/core imports) becomes libphonenumber's core functions bound
 * to the restricted metadata. An export the source imports and this module lacks fails the build.
 */
const superOfficeOnly = {
  name: 'superoffice-only',
  setup(build) {
    build.onResolve({ filter: /^libphonenumber-js\/max$/ }, () => ({ path: 'libphonenumber-js/max', namespace: 'so' }));
    build.onLoad({ filter: /^libphonenumber-js\/max$/, namespace: 'so' }, () => ({
      resolveDir: root,
      loader: 'js',
      contents: `import { parsePhoneNumberFromString as parse, isSupportedCountry as supported } from 'libphonenumber-js/core';
const metadata = ${JSON.stringify(restrictedPhoneMetadata())};
export function parsePhoneNumberFromString(...args) { return parse(...args, metadata); }
export function isSupportedCountry(region) { return supported(region, metadata); }
`,
    }));
  },
};

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
    define: {
      __DCI_SCRIPT_VERSION__: JSON.stringify(version),
      __DCI_CONFIG_INCLUDE_ID__: JSON.stringify(CONFIG_INCLUDE_ID),
    },
    minify: true,
    legalComments: 'none',
    tsconfig: join(root, 'tsconfig.superoffice.json'),
    logLevel: 'warning',
    plugins: [superOfficeOnly],
    metafile: true,
  });
  if (process.argv.includes('--analyze')) console.log(await esbuild.analyzeMetafile(result.metafile));
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
  // The include form: settings in a script of their own, so an update replaces the endpoint script without them.
  const includingFile = join(outDir, 'dci-summary-endpoint-include-form.js');
  const configFile = join(outDir, 'dci-summary-config.js');
  writeFileSync(includingFile, `${includingHeader()}${bundle}`);
  writeFileSync(configFile, configScript());
  // A summary to send by hand (docs/superoffice.md, "Test without DCI").
  const sampleFile = join(outDir, 'dci-summary-sample.json');
  copyFileSync(join(__dirname, 'superOfficeSampleSummary.json'), sampleFile);
  const kib = (text) => `${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB`;
  console.log(`SuperOffice script: ${scriptFile} (${kib(script)})`);
  console.log(`  wrapped for the %EJSCRIPT% editor form: ${wrappedFile} (${kib(wrapped)})`);
  console.log(`  include form: ${includingFile}, with its settings in ${configFile}`);
  console.log(`  a summary to send by hand: ${sampleFile}`);
}

build().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
