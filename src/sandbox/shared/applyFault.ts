import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpFault, StatusFault } from './faultQueue';
import { writeAnswer, type HttpAnswer } from './writeAnswer';

export interface FaultedExchange {
  request: IncomingMessage;
  response: ServerResponse;
  /** Aborted when the emulator closes, so a delay does not hold the close up. */
  closing: AbortSignal;
  /** Records the request with the status it got (0 = dropped). */
  log(status: number): void;
  /** The emulator's own error answer for a status fault without a body. */
  errorAnswer(status: number): HttpAnswer;
}

/**
 * Applies a fault before the request is answered: a delay waits, a drop destroys the socket, a status fault answers
 * in the request's place. Returns true when the fault has taken the request over (nothing more is to be written).
 */
export async function applyFault(fault: HttpFault | undefined, exchange: FaultedExchange): Promise<boolean> {
  if (fault?.kind === 'delay') await sleep(fault.ms, undefined, { signal: exchange.closing });
  if (fault?.kind === 'drop') {
    exchange.log(0);
    exchange.request.socket.destroy();
    return true;
  }
  if (fault?.kind === 'status') {
    const injected = statusFaultAnswer(fault, exchange.errorAnswer);
    exchange.log(injected.status);
    writeAnswer(exchange.response, injected);
    return true;
  }
  return false;
}

function statusFaultAnswer(fault: StatusFault, errorAnswer: (status: number) => HttpAnswer): HttpAnswer {
  const answer =
    fault.body === undefined
      ? errorAnswer(fault.status)
      : {
          status: fault.status,
          body: fault.body,
          headers: {
            'content-type': typeof fault.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
          },
        };
  const headers = {
    ...answer.headers,
    ...fault.headers,
    ...(fault.retryAfterSec === undefined ? {} : { 'retry-after': String(fault.retryAfterSec) }),
  };
  return { ...answer, headers };
}
