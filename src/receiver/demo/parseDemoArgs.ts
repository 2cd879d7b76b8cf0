// `npm run demo [-- --crm lime|superoffice]`: which CRM the demo delivers to. Lime stays the default, as CRM does.
import type { DemoCrmName } from './demoCrm';

export const DEMO_USAGE = [
  'usage: npm run demo [-- --crm lime|superoffice]',
  '  --crm lime         the Lime emulator with its demo data (default)',
  '  --crm superoffice  the SuperOffice emulator with the same demo data, signed in as an Online system user',
  '  --help             this text',
].join('\n');

export type DemoArgs = { kind: 'run'; crm: DemoCrmName } | { kind: 'help' } | { kind: 'usage_error'; message: string };

export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  let crm: DemoCrmName = 'lime';
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    let value: string | undefined;
    if (arg === '--crm') {
      index += 1;
      value = argv[index];
    } else if (arg.startsWith('--crm=')) value = arg.slice('--crm='.length);
    else return { kind: 'usage_error', message: `unknown argument: ${arg}` };
    if (value !== 'lime' && value !== 'superoffice') {
      return { kind: 'usage_error', message: `--crm must be lime or superoffice, not ${value ?? '(nothing)'}` };
    }
    crm = value;
  }
  return { kind: 'run', crm };
}
