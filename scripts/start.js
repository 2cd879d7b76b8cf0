// `npm start`: runs the built receiver, `node <config.receiverNodeFlags> dist/receiver/main.js`, in plain Node so it
// works the same from cmd.exe, PowerShell and sh (npm's `$npm_package_config_…` is not expanded by cmd.exe). The
// receiver runs as a child with this terminal's input and output; SIGTERM and SIGINT sent to this process are passed
// on to it (not on Windows: see `forward`; the receiver's shutdown runs once however many arrive), and this process
// ends as the receiver did: with its exit code, or by the signal that ended it. Services (systemd, a container, a
// Windows service) run `node <flags> dist/receiver/main.js` directly: one process, nothing in between (docs/deploy.md).
'use strict';
const { spawn } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const MAIN = join('dist', 'receiver', 'main.js');

if (!existsSync(join(root, MAIN))) {
  process.stderr.write('The receiver is not built: run npm run build first.\n');
  process.exit(1);
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const flags = String(manifest.config?.receiverNodeFlags ?? '')
  .split(/\s+/u)
  .filter((flag) => flag !== '');

const child = spawn(process.execPath, [...flags, MAIN], { cwd: root, stdio: 'inherit' });

const forwarded = ['SIGTERM', 'SIGINT'];
const forward = (signal) => {
  // Windows has no signals: there Ctrl+C reaches every process of the console, the receiver included, and kill()
  // would end it at once, mid-shutdown. So on Windows this process only waits for the receiver to end.
  if (process.platform === 'win32') return;
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of forwarded) process.on(signal, forward);

child.on('error', (error) => {
  process.stderr.write(`npm start: could not start ${process.execPath}: ${error.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  for (const name of forwarded) process.off(name, forward);
  if (signal !== null) {
    // Ended by a signal: end by the same one, so whoever started npm start sees what happened.
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
