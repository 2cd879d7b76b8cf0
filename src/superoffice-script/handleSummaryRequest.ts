import { parseSummaryPayload, type PayloadIssue } from '../core';
import { diagnoseSetup, type SetupProblem } from './diagnoseSetup';
import type { ScriptConfig } from './scriptConfig';
import type { SuperOfficeAgents } from './superOfficeApi';
import { findTaskType } from './writeAppointment';
import { writeMeeting, type ParticipantResult } from './writeMeeting';

export type ScriptResponse =
  | { status: 200; body: { ok: true; results: ParticipantResult[] } | SetupReport }
  | { status: 500; body: SetupReport }
  | {
      status: 400;
      body: {
        ok: false;
        error: { code: 'invalid_json' | 'invalid_payload'; message: string; issues?: PayloadIssue[] };
      };
    }
  | { status: 405 | 500; body: { ok: false; error: { code: string; message: string } } };

/** A test call from DCI's "Test Integration": answered without writing anything. */
const TEST_EVENTS = ['integration.test', 'test'];

/** The setup check's answer: what is wrong and how to fix it in SuperOffice; `ok` only when nothing is. */
export interface SetupReport {
  ok: boolean;
  test: true;
  version: string;
  message: string;
  problems: SetupProblem[];
}

declare const __DCI_SCRIPT_VERSION__: string;

/** Test Integration and a GET: the setup check, 200 when the script can write meetings, else 500 with the list. */
async function setupReport(agents: SuperOfficeAgents, config: ScriptConfig): Promise<ScriptResponse> {
  const problems = await diagnoseSetup(agents, config);
  const version = typeof __DCI_SCRIPT_VERSION__ === 'string' ? __DCI_SCRIPT_VERSION__ : 'unknown';
  if (problems.length === 0) {
    return {
      status: 200,
      body: { ok: true, test: true, version, message: 'The DCI summary script is installed and ready.', problems },
    };
  }
  const message = `The DCI summary script is installed but cannot write meetings yet: ${problems.length} problem(s) to fix in SuperOffice.`;
  return { status: 500, body: { ok: false, test: true, version, message, problems } };
}

/**
 * The endpoint's job, given the HTTP method and raw body: validate with the shared contract, match each external
 * participant (e-mail, then mobile, then phone; never arbitrary), and write one completed appointment per matched
 * person, exactly once per (conversation, person). SuperOffice failures propagate (the entry turns them into 500).
 */
export async function handleSummaryRequest(
  request: { method: string; body: string },
  agents: SuperOfficeAgents,
  config: ScriptConfig,
): Promise<ScriptResponse> {
  if (request.method === 'GET') return setupReport(agents, config);
  if (request.method !== 'POST') {
    return {
      status: 405,
      body: {
        ok: false,
        error: { code: 'method_not_allowed', message: 'Send the summary with POST (a GET checks the setup).' },
      },
    };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(request.body) as unknown;
  } catch {
    return {
      status: 400,
      body: { ok: false, error: { code: 'invalid_json', message: 'The body is not valid JSON.' } },
    };
  }
  const event =
    typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)['event'] : undefined;
  if (typeof event === 'string' && TEST_EVENTS.includes(event)) return setupReport(agents, config);
  const parsed = parseSummaryPayload(payload);
  if (!parsed.ok) {
    return {
      status: 400,
      body: {
        ok: false,
        error: {
          code: 'invalid_payload',
          message: 'The payload does not match the summary contract.',
          issues: parsed.issues,
        },
      },
    };
  }

  const taskType = await findTaskType(agents, config.taskTypeName);
  if (taskType.id === undefined) {
    return {
      status: 500,
      body: {
        ok: false,
        error: {
          code: 'task_type_not_found',
          message: `No active task type named "${config.taskTypeName}"; set taskTypeName in the configuration block to one of: ${taskType.offered.join(', ')}.`,
        },
      },
    };
  }
  return { status: 200, body: { ok: true, results: await writeMeeting(parsed.summary, agents, config, taskType.id) } };
}
