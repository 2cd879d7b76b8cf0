import {
  assertNever,
  classifyParticipants,
  decideMatch,
  parseSummaryPayload,
  renderNote,
  type ClassifiedParticipant,
  type MeetingSummary,
  type PayloadIssue,
} from '../core';
import { createSuperOfficeContact } from './createSuperOfficeContact';
import { findPresenterAssociate, findSuperOfficeCandidates } from './findSuperOfficePeople';
import type { ScriptConfig } from './scriptConfig';
import type { SuperOfficeAgents } from './superOfficeApi';
import { findTaskType, writeAppointment } from './writeAppointment';

/** What happened to one participant, in the script's answer (the seed's outcomes, as on the Lime side). */
export interface ParticipantResult {
  participant: { index: number; name?: string | undefined };
  outcome: 'written' | 'updated' | 'same_person' | 'no_match' | 'ambiguous' | 'internal' | 'not_matchable';
  personId?: number | undefined;
  contactId?: number | undefined;
  appointmentId?: number | undefined;
  trace: string;
}

export type ScriptResponse =
  | { status: 200; body: { ok: true; results: ParticipantResult[] } | { ok: true; test: true; message: string } }
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
  if (request.method !== 'POST') {
    return {
      status: 405,
      body: { ok: false, error: { code: 'method_not_allowed', message: 'Send the summary with POST.' } },
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
  if (typeof event === 'string' && TEST_EVENTS.includes(event)) {
    return {
      status: 200,
      body: { ok: true, test: true, message: 'The DCI summary script is installed and answering.' },
    };
  }
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

async function writeMeeting(
  summary: MeetingSummary,
  agents: SuperOfficeAgents,
  config: ScriptConfig,
  taskListItemId: number,
): Promise<ParticipantResult[]> {
  const classified = classifyParticipants(summary, {
    internalDomains: config.internalDomains,
    defaultRegion: config.phoneRegion,
  });
  const who = (participant: ClassifiedParticipant) => ({ index: participant.index, name: participant.name });
  const results: ParticipantResult[] = [
    ...classified.internal.map((participant): ParticipantResult => ({
      participant: who(participant),
      outcome: 'internal',
      trace: `internal (${participant.reason.replace('_', ' ')}) → not matched`,
    })),
    ...classified.notMatchable.map((participant): ParticipantResult => ({
      participant: who(participant),
      outcome: 'not_matchable',
      trace: 'no e-mail or readable phone → not matched',
    })),
  ];
  if (classified.external.length > 0) {
    const presenterEmail = summary.presenter?.email;
    const presenterAssociate =
      presenterEmail === undefined ? undefined : await findPresenterAssociate(agents, presenterEmail);
    const associateId = presenterAssociate ?? (config.defaultAssociateId > 0 ? config.defaultAssociateId : undefined);
    const note = renderNote(summary, {
      timeZone: config.timeZone,
      maxLength: config.maxDescriptionLength,
      titleInText: false,
    });
    const endsAt = summary.endsAt ?? new Date(Date.parse(summary.startsAt) + 30 * 60 * 1000).toISOString();
    const written = new Map<number, ParticipantResult>();

    for (const participant of classified.external) {
      const resolved = await resolvePerson(agents, config, participant);
      if ('outcome' in resolved) {
        results.push({ participant: who(participant), ...resolved });
        continue;
      }
      const first = written.get(resolved.personId);
      if (first) {
        results.push({
          participant: who(participant),
          outcome: 'same_person',
          personId: resolved.personId,
          contactId: resolved.contactId,
          appointmentId: first.appointmentId,
          trace: `${resolved.trace} → same person as participant ${first.participant.index + 1}: one appointment`,
        });
        continue;
      }
      const saved = await writeAppointment(agents, {
        conversationId: summary.conversationId,
        personId: resolved.personId,
        contactId: resolved.contactId,
        associateId,
        taskListItemId,
        title: note.title,
        description: note.text,
        startsAt: summary.startsAt,
        endsAt,
        location: summary.location,
      });
      const result: ParticipantResult = {
        participant: who(participant),
        outcome: saved.action === 'created' ? 'written' : 'updated',
        personId: resolved.personId,
        contactId: resolved.contactId,
        appointmentId: saved.appointmentId,
        trace: `${resolved.trace} → appointment ${saved.appointmentId} ${saved.action}`,
      };
      written.set(resolved.personId, result);
      results.push(result);
    }
  }
  return results.sort((a, b) => a.participant.index - b.participant.index);
}

async function resolvePerson(
  agents: SuperOfficeAgents,
  config: ScriptConfig,
  participant: ClassifiedParticipant,
): Promise<
  | { personId: number; contactId: number | undefined; trace: string }
  | { outcome: 'no_match' | 'ambiguous'; contactId?: number | undefined; trace: string }
> {
  const candidates = await findSuperOfficeCandidates(agents, participant);
  const decision = decideMatch(participant, candidates, { defaultRegion: config.phoneRegion });
  switch (decision.kind) {
    case 'matched':
      return {
        personId: Number(decision.personId),
        contactId: decision.companyId === undefined ? undefined : Number(decision.companyId),
        trace: decision.trace,
      };
    case 'ambiguous':
      return {
        outcome: 'ambiguous',
        contactId: decision.companyId === undefined ? undefined : Number(decision.companyId),
        trace: `${decision.trace} → nothing written`,
      };
    case 'none': {
      if (!config.createMissingContacts) {
        return { outcome: 'no_match', trace: `${decision.trace} → no match; creating contacts is off` };
      }
      const created = await createSuperOfficeContact(agents, participant);
      return {
        personId: created.personId,
        contactId: created.contactId,
        trace: `${decision.trace} → ${created.trace} → person ${created.personId} created`,
      };
    }
    default:
      return assertNever(decision);
  }
}
