#!/usr/bin/env node
// Launcher for the compiled CLI (npm run build makes dist/).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'receiver', 'cli', 'dciCompanion.js');
if (!existsSync(cli)) {
  process.stderr.write('dci-companion is not built yet: run `npm run build` first.\n');
  process.exit(1);
}
require(cli).main();
