import { chmodSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_PRODUCT_VARIABLE, buildProduct } from './receiverProcess';

/**
 * Jest's globalSetup: compiles the product once for the whole run (instead of once per test file that runs it as a
 * process) into a temporary directory that test files find through BUILT_PRODUCT_VARIABLE, with the admin pages'
 * templates beside it as in a checkout. Readable by every user: the storage tests run it as `nobody`.
 */
export default function globalSetup(): void {
  const workDir = mkdtempSync(join(tmpdir(), 'dci-tests-product-'));
  chmodSync(workDir, 0o755);
  const distDir = join(workDir, 'dist');
  buildProduct(distDir);
  // The compiled admin app finds its templates at <dist>/../views, as in a checkout.
  symlinkSync(join(__dirname, '..', '..', 'views'), join(workDir, 'views'));
  process.env[BUILT_PRODUCT_VARIABLE] = distDir;
}
