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
  'SentryAgent',
  'DocumentAgent',
] as const;

/**
 * One tenant's WebAPI as a script runtime offers it. `soApi`: a `WebApi` instance, what TypeScript-for-SuperOffice
 * gives scripts [verified: SuperOffice/language-tools `packages/superofficedx-vscode-tsfso/src/global-webapi.d.ts`,
 * `declare global { const soApi: WebApi; const context: Icontext; }`]; its `getContactAgent()`, `getPersonAgent()`, …
 * return the real @superoffice/webapi agents. `rtl`: the package's agent classes, the older `RTL` form.
 * No `timezone` option, so no `SO-Timezone` header: the vendor's own helper is a bare `new WebApi()`
 * (SuperOffice/typescript-for-superoffice `Helpers/webApiHelper.ts`).
 */
export type TenantWebApi = { soApi: webapi.WebApi; rtl: Record<string, unknown> };

/**
 * The WebAPI for one tenant, always built with explicit options (base URL and token), never the package's static
 * authentication helpers — they leak across tenants (spec §3.1).
 */
export function webApiFor(baseUrl: string, token: string): TenantWebApi {
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
  return { soApi: new webapi.WebApi(options), rtl };
}

export interface ScriptRun {
  status: number;
  body: Record<string, unknown>;
}

export interface ScriptRequest {
  body: string;
  cgiVariables?: Record<string, string>;
  /** How `context.eventData.cgiVariables` is passed: a plain object (default, `logHelper.ts`) or a `Map` (the typings). */
  cgiVariablesAs?: 'object' | 'map';
  /** How the WebAPI global is bound: on the global object (default) or in the script's own scope. */
  rtlBinding?: 'global' | 'lexical';
  /** The name the WebAPI is injected under: `soApi` (default, the vendor typings), `RTL` or `SO`. */
  inject?: 'soApi' | 'RTL' | 'SO';
}

/** The global name and value to inject; a bare record (not from webApiFor) is an `RTL` object a test built itself. */
function injectedApi(api: TenantWebApi | Record<string, unknown> | undefined, inject: ScriptRequest['inject']) {
  if (api === undefined) return undefined;
  if (!(api['soApi'] instanceof webapi.WebApi)) return { name: 'RTL', value: api };
  const tenant = api as TenantWebApi;
  if (inject === 'RTL') return { name: 'RTL', value: tenant.rtl };
  return { name: inject ?? 'soApi', value: tenant.soApi };
}

/**
 * Runs the script text as SuperOffice does for one request: in a fresh V8 context whose only globals are `context`
 * (shaped like the vendor's `Helpers/logHelper.ts` in SuperOffice/typescript-for-superoffice) and the WebAPI
 * (`soApi` unless `inject` says otherwise) [assumption: the runtime awaits top-level awaits, so the text runs inside
 * an async function here].
 */
export async function runScript(
  script: string,
  api: TenantWebApi | Record<string, unknown> | undefined,
  request: ScriptRequest,
): Promise<ScriptRun> {
  const cgiVariables = { action: 'safeParse', includeId: 'dci-summary', key: 'k', ...request.cgiVariables };
  const context = {
    classes: {},
    result: { status: 200, body: '' },
    vars: {},
    funcs: {},
    variables: { activeUser: '', developmentMode: '', includeId: cgiVariables.includeId },
    eventData: {
      type: 0,
      inputValues: {},
      blockExecution: false,
      navigateTo: '',
      message: '',
      showDialog: '',
      outputValues: {},
      stateValues: {},
      exception: '',
      cgiVariables: request.cgiVariablesAs === 'map' ? new Map(Object.entries(cgiVariables)) : cgiVariables,
      cgiContent: request.body,
      headers: {},
      traceExecution: false,
    },
  };
  // `global`: the WebAPI is a property of the global object. `lexical`: the runtime prepends an import-like line that
  // binds it in the script's own scope only (the vendor's docs say the import "is added by default").
  const injected = injectedApi(api, request.inject);
  const lexical = request.rtlBinding === 'lexical' && injected !== undefined;
  const globals: Record<string, unknown> = { context };
  if (injected) globals[lexical ? '__injectedApi' : injected.name] = injected.value;
  const sandbox = createContext(globals);
  const text = lexical ? `const ${injected.name} = __injectedApi;\n${script}` : script;
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
