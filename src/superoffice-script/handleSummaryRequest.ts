import { readSummaryBody, type PayloadIssue } from '../core';
import { setupReport, type SetupReport } from './diagnoseSetup';
import type { ScriptConfig } from './scriptConfig';
import type { SuperOfficeAgents } from './superOfficeApi';
import { taskTypeMapOf } from './scriptConfig';
import { resolveTaskTypes } from './writeAppointment';
import { writeMeeting, type ParticipantResult } from './writeMeeting';

export type ScriptResponse =
  | { status: 200; body: { ok: true; results: ParticipantResult[] } | SetupReport }
  | { status: 500; body: SetupReport }
  | {
      status: 400;
      body: {
        ok: false;
        error: {
          code: 'invalid_json' | 'invalid_payload' | 'unreadable_payload';
          message: string;
          issues?: PayloadIssue[];
          /** For a body whose shape is not read: its top-level keys, never values, so support can adapt. */
          keys?: string[];
        };
      };
    }
  | { status: 405 | 500; body: { ok: false; error: { code: string; message: string } } };

/** A test call from DCI's "Test Integration": answered without writing anything. */
const TEST_EVENTS = ['integration.test', 'test'];

/**
 * The endpoint's job, given the HTTP method and raw body: validate with the shared contract, match each external
 * participant (e-mail, then mobile, then phone; never arbitrary), and write one completed appointment per matched
 * person, exactly once per (conversation, person). SuperOffice failures propagate (the entry turns them into 500).
 * `defaultedSettings`: settings the configuration block leaves out (they took their defaults), for the setup check.
 */
export async function handleSummaryRequest(
  request: { method: string; body: string },
  agents: SuperOfficeAgents,
  config: ScriptConfig,
  defaultedSettings: readonly string[] = [],
): Promise<ScriptResponse> {
  if (request.method === 'GET') return setupReport(agents, config, defaultedSettings);
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
  // Envelope or flat body, read by the shared contract; a body with no summary at all is a test (DCI pushes nothing
  // for a meeting without one), whatever DCI's unpublished test call looks like: it gets the setup check.
  const read = readSummaryBody(payload);
  if ((typeof event === 'string' && TEST_EVENTS.includes(event)) || read.kind === 'no_summary') {
    return setupReport(agents, config, defaultedSettings);
  }
  if (read.kind === 'invalid') {
    return {
      status: 400,
      body: {
        ok: false,
        error:
          read.shape === 'envelope'
            ? {
                code: 'invalid_payload',
                message: 'The payload does not match the summary contract.',
                issues: read.issues,
              }
            : {
                code: 'unreadable_payload',
                message:
                  'The body carries a summary in a shape this script cannot read; issues say what is missing, keys list the top-level keys received.',
                issues: read.issues,
                keys: read.keys,
              },
      },
    };
  }

  const taskTypes = await resolveTaskTypes(agents, config.taskTypeName, taskTypeMapOf(config));
  if (!taskTypes.ok) {
    return {
      status: 500,
      body: {
        ok: false,
        error: {
          code: 'task_type_not_found',
          message: taskTypes.fallbackMissing
            ? `No active task type named "${config.taskTypeName}"; set taskTypeName in the configuration block to one of: ${taskTypes.offered.join(', ')}.`
            : `${taskTypes.problems.join(' ')} Set taskTypeMap in the configuration block to task types SuperOffice offers.`,
        },
      },
    };
  }
  return {
    status: 200,
    body: { ok: true, results: await writeMeeting(read.summary, agents, config, taskTypes.types) },
  };
}
