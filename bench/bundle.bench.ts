// SuperOffice bundle size: builds the one-file script (scripts/buildSuperOfficeScript.js) and reports its size.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { machineLine, markdownTable, REPO_ROOT, round, writeReport } from './benchReport';

const FILES = ['dci-summary-endpoint.js', 'dci-summary-endpoint.ejscript.txt'];

function main(): void {
  const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'buildSuperOfficeScript.js')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`building the SuperOffice script failed:\n${build.stdout}${build.stderr}`);
  const files = FILES.map((name) => {
    const path = join(REPO_ROOT, 'dist', 'superoffice', name);
    const bytes = statSync(path).size;
    return { name, bytes, kib: round(bytes / 1024), gzipBytes: gzipSync(readFileSync(path)).length };
  });
  const markdown = [
    '### 5. SuperOffice script bundle (`npm run build:superoffice`)',
    '',
    markdownTable(
      ['file', 'bytes', 'KiB', 'gzip bytes'],
      files.map((file) => [`dist/superoffice/${file.name}`, file.bytes, file.kib, file.gzipBytes]),
    ),
    '',
    `Machine: ${machineLine()}.`,
  ].join('\n');
  writeReport('bundle', markdown, { files });
}

main();
