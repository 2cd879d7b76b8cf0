// `node scripts/stageRelease.js [--dist <folder>] <target>`: makes a self-contained release folder from a built tree
// (after `npm ci && npm run build`): dist/, views/, bin/, scripts/start.js (`npm start`), package.json and package-lock.json, then `npm ci --omit=dev`
// there, so the folder runs with production dependencies only (`node dist/receiver/main.js` or `npm start`).
// `--dist` takes the compiled output from elsewhere than ./dist (the tests build into a temporary folder). The
// Dockerfile runs this same script; test/component/releaseFolder.test.ts runs it and starts the receiver from the
// folder. Refuses a target that exists and is not empty, and a tree that is not built.
'use strict';
const { spawnSync } = require('node:child_process');
const { cpSync, existsSync, mkdirSync, readdirSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = join(__dirname, '..');
/** What the release holds besides node_modules: nothing else is read at run time. */
const RELEASE_ENTRIES = ['dist', 'views', 'bin', 'scripts/start.js', 'package.json', 'package-lock.json'];

function fail(message) {
  process.stderr.write(`stageRelease: ${message}\n`);
  process.exit(1);
}

function main(argv) {
  const args = [...argv];
  let dist = join(root, 'dist');
  if (args[0] === '--dist' && args.length === 3) {
    dist = resolve(args[1]);
    args.splice(0, 2);
  }
  if (args.length !== 1 || args[0].startsWith('-')) {
    fail('usage: node scripts/stageRelease.js [--dist <compiled folder>] <target folder>');
  }
  const target = resolve(args[0]);
  if (!existsSync(join(dist, 'receiver', 'main.js'))) {
    fail(`${dist} holds no built receiver: run \`npm run build\` first`);
  }
  if (existsSync(target) && readdirSync(target).length > 0) fail(`${target} exists and is not empty`);
  mkdirSync(target, { recursive: true });
  for (const entry of RELEASE_ENTRIES) {
    const from = entry === 'dist' ? dist : join(root, entry);
    cpSync(from, join(target, entry), { recursive: true, dereference: true });
  }
  // --omit=dev: no compiler, test runner or linter in the release. Install scripts do run: better-sqlite3 fetches
  // or compiles its native binding for this platform, so stage on the platform (and libc) the release runs on.
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--omit=dev', '--no-audit', '--no-fund'], {
    cwd: target,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) {
    fail(
      `npm ci --omit=dev failed in ${target} (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`,
    );
  }
  process.stdout.write(`stageRelease: ${target} is ready: node dist/receiver/main.js (or npm start) there\n`);
}

main(process.argv.slice(2));
