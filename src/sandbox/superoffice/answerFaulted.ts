import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitForVerdict, type HoldFault } from '../shared/heldRequest';
import { writeAnswer } from '../shared/writeAnswer';
import type { ApiResponse } from './apiResponses';
import type { SuperOfficeFault } from './types';

/** The faults that let the request be handled and then misbehave (or wait for the test's word). */
export type AnswerFault = Extract<SuperOfficeFault, { kind: 'lose_answer' | 'answer_late' }> | HoldFault;

export function isAnswerFault(fault: SuperOfficeFault | HoldFault | undefined): fault is AnswerFault {
  return fault?.kind === 'lose_answer' || fault?.kind === 'answer_late' || fault?.kind === 'hold';
}

/**
 * Handles a request under a fault that acts around the real work: a lost answer (the save is stored, the connection
 * is cut), a late answer, or a hold the test answers or drops. An answer held past the client's timeout goes to a
 * closed socket and is thrown away, as a real server's would be.
 */
export async function answerFaulted(
  fault: AnswerFault,
  handle: () => ApiResponse,
  response: ServerResponse,
  closing: AbortSignal,
  log: (status: number) => void,
): Promise<void> {
  if (fault.kind === 'hold' && fault.stage === 'before_handling') {
    fault.arrived();
    if ((await waitForVerdict(fault, closing)) === 'drop') return drop(response, log);
  }
  const result = handle();
  if (fault.kind === 'lose_answer') return drop(response, log);
  if (fault.kind === 'answer_late') {
    await sleep(fault.ms, undefined, { signal: closing }).catch(() => undefined);
  }
  if (fault.kind === 'hold' && fault.stage === 'after_handling') {
    fault.arrived();
    if ((await waitForVerdict(fault, closing)) === 'drop') return drop(response, log);
  }
  log(result.status);
  if (!response.destroyed && !closing.aborted) writeAnswer(response, result);
  else response.destroy();
}

function drop(response: ServerResponse, log: (status: number) => void): void {
  log(0);
  response.socket?.destroy();
  response.destroy();
}
