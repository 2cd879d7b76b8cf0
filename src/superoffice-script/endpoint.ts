// The endpoint script's entry: SuperOffice runs the bundled text for every
// `customer.fcgi?action=safeParse&includeId=…&key=…` request (shared/specs/superoffice.md §1, §9). Input comes from
// `context.eventData`, the answer goes to `context.result`; the configuration block above the bundle (or the
// configuration script it includes) defines `DCI_CONFIG`. Nothing here touches Node: the runtime may offer nothing but the script's globals.
import { handleSummaryRequest, type ScriptResponse } from './handleSummaryRequest';
import { readScriptConfig } from './scriptConfig';
import { superOfficeAgents } from './superOfficeApi';

/** The runtime's `context` global (vendor Helpers/logHelper.ts), as far as an endpoint uses it. */
interface ScriptContext {
  eventData?: {
    cgiContent?: string;
    /**
     * A `Map` in the editor typings (SuperOffice/language-tools `global-webapi.d.ts`: `Map<string,string>`), a plain
     * object in the vendor's `Helpers/logHelper.ts`: both are read.
     */
    cgiVariables?: ReadonlyMap<string, string> | Record<string, string | undefined>;
  };
  result: { status: number; body: string };
}

declare const context: ScriptContext;
declare const DCI_CONFIG: unknown;

/**
 * The HTTP method: from the CGI variables when the runtime passes it [assumption: `REQUEST_METHOD`, the CGI name];
 * else a request with a body is taken as the POST DCI sends and one without as a GET.
 */
function methodOf(eventData: ScriptContext['eventData']): string {
  const variables = eventData?.cgiVariables;
  const read = (name: string): string | undefined => {
    // Duck-typed: a Map made in another realm (the host's) is not `instanceof` this one's.
    if (typeof (variables as { get?: unknown } | undefined)?.get === 'function') {
      const value: unknown = (variables as ReadonlyMap<string, unknown>).get(name);
      return typeof value === 'string' ? value : undefined;
    }
    const value: unknown = (variables as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value : undefined;
  };
  const declared = read('REQUEST_METHOD') ?? read('request_method') ?? read('method');
  if (declared) return declared.toUpperCase();
  return eventData?.cgiContent ? 'POST' : 'GET';
}

/** A failure inside SuperOffice, named by status and agent call; never the data sent (it holds personal data). */
function superOfficeFailure(error: unknown): ScriptResponse {
  const failed = error as { response?: { status?: number }; config?: { url?: string }; message?: string };
  const status = failed.response?.status;
  const call = /Agents\/([A-Za-z]+\/[A-Za-z0-9]+)/u.exec(failed.config?.url ?? '')?.[1];
  const what = status === undefined ? 'failed' : `answered ${status}`;
  return {
    status: 500,
    body: {
      ok: false,
      error: {
        code: status === undefined ? 'superoffice_unreachable' : 'superoffice_error',
        message: `SuperOffice ${what}${call === undefined ? '' : ` on ${call}`}; DCI's retry will finish the meeting.`,
      },
    },
  };
}

export async function runEndpoint(): Promise<void> {
  let response: ScriptResponse;
  const config = readScriptConfig(typeof DCI_CONFIG === 'undefined' ? undefined : DCI_CONFIG);
  const agents = superOfficeAgents();
  if (!config.ok) {
    response = { status: 500, body: { ok: false, error: { code: config.code, message: config.message } } };
  } else if (!agents) {
    response = {
      status: 500,
      body: {
        ok: false,
        error: {
          code: 'webapi_missing',
          message:
            'The SuperOffice WebAPI (soApi) is not available: save the script as TypeScript on a tenant where TypeScript scripts are enabled.',
        },
      },
    };
  } else {
    try {
      response = await handleSummaryRequest(
        { method: methodOf(context.eventData), body: context.eventData?.cgiContent ?? '' },
        agents,
        config.config,
        config.defaulted,
      );
    } catch (error) {
      response = superOfficeFailure(error);
    }
  }
  context.result.status = response.status;
  context.result.body = JSON.stringify(response.body);
}
