import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { BUILT_PRODUCT_VARIABLE } from './receiverProcess';

/** Jest's globalTeardown: removes the product globalSetup.ts built for the run. */
export default function globalTeardown(): void {
  const distDir = process.env[BUILT_PRODUCT_VARIABLE];
  if (distDir !== undefined) rmSync(dirname(distDir), { recursive: true, force: true });
}
