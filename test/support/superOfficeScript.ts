import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInContext, createContext } from 'node:vm';
import * as webapi from '@superoffice/webapi';

const ROOT = join(__dirname, '..', '..');
const BUILT = join(ROOT, 'dist', 'superoffice', 'dci-summary-endpoint.js');

/** Builds the script with `npm run build:superoffice`'s own build file and returns the exact text an admin pastes. */
export function buildSuperOfficeScript(): string {
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'buildSuperOfficeScript.js')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build:superoffice failed:\n${build.stdout}\n${build.stderr}`);
  return readFileSync(BUILT, 'utf8');
}

const AGENTS = [
  'ArchiveAgent',
  'AppointmentAgent',
  'AssociateAgent',
  'ContactAgent',
  'PersonAgent',
  'ForeignSystemAgent',
] as const;

/**
 * The runtime's `RTL` global for one tenant: the real @superoffice/webapi agents, each built with explicit options
 * (base URL and token), never the package's static authentication helpers — they leak across tenants (spec §3.1).
 * No `timezone` option, so no `SO-Timezone` header: the vendor's own helper is a bare `new WebApi()`
 * (SuperOffice/typescript-for-superoffice `Helpers/webApiHelper.ts`).
 */
export function rtlFor(baseUrl: string, token: string): Record<string, unknown> {
  const options = {
    baseUrl,
    axiosConfig: { headers: { Authorization: `Bearer ${token}` } },
  };
  const rtl: Record<string, unknown> = {};
  for (const name of AGENTS) {
    const Agent = webapi[name] as unknown as new (options: object) => object;
    rtl[name] = class extends Agent {
      constructor() {
        super(options);
      }
    };
  }
  return rtl;
}

export interface ScriptRun {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Runs the script text as SuperOffice does for one request: in a fresh V8 context whose only globals are `context`
 * and `RTL` [assumption: the runtime awaits top-level awaits, so the text runs inside an async function here].
 */
export async function runScript(
  script: string,
  rtl: Record<string, unknown>,
  request: { body: string; cgiVariables?: Record<string, string>; rtlBinding?: 'global' | 'lexical' },
): Promise<ScriptRun> {
  const context = {
    eventData: {
      cgiContent: request.body,
      cgiVariables: { action: 'safeParse', includeId: 'dci-summary', key: 'k', ...request.cgiVariables },
    },
    result: { status: 200, body: '' },
  };
  // `global`: RTL is a property of the global object. `lexical`: the runtime prepends an import-like line that
  // binds RTL in the script's own scope only (the vendor's docs say the import "is added by default").
  const lexical = request.rtlBinding === 'lexical';
  const sandbox = createContext(lexical ? { context, __injectedRtl: rtl } : { context, RTL: rtl });
  const text = lexical ? `const RTL = __injectedRtl;\n${script}` : script;
  await (runInContext(`(async () => {\n${text}\n})()`, sandbox, {
    filename: 'dci-summary-endpoint.js',
  }) as Promise<void>);
  return { status: context.result.status, body: JSON.parse(context.result.body) as Record<string, unknown> };
}

/** The script text with one setting of the configuration block changed, as an admin would edit it. */
export function withConfig(script: string, setting: string, value: string): string {
  const pattern = new RegExp(`^(  ${setting}: ).*,$`, 'mu');
  if (!pattern.test(script)) throw new Error(`no setting ${setting} in the configuration block`);
  return script.replace(pattern, `$1${value},`);
}
