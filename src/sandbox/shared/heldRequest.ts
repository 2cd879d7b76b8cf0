/**
 * Where a hold stops a request: `before_handling` (the server has not seen it yet) or `after_handling` (the work is
 * done — a save stored its row — and the answer is held back).
 */
export type HoldStage = 'before_handling' | 'after_handling';

/** What the test decides for a held request: answer it now, or cut the connection without an answer. */
export type HoldVerdict = 'answer' | 'drop';

/** The handle a test keeps for a held request. */
export interface HeldRequestHandle {
  /** Resolves once a matching request is held (for `after_handling`: once it has been handled). */
  readonly reached: Promise<void>;
  /** Lets the held request go on; its answer goes to a client that may be gone by then. */
  release(): void;
  /** Cuts the held request's connection without an answer (for `after_handling`: the work stays done). */
  drop(): void;
}

/** The emulator's side of a hold. */
export interface HoldFault {
  kind: 'hold';
  stage: HoldStage;
  /** Called when a matching request is held. */
  arrived(): void;
  /** Resolves with the test's verdict. */
  verdict: Promise<HoldVerdict>;
}

export function createHold(stage: HoldStage): { fault: HoldFault; handle: HeldRequestHandle } {
  let arrive = (): void => {};
  let decide = (_verdict: HoldVerdict): void => {};
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const verdict = new Promise<HoldVerdict>((resolve) => (decide = resolve));
  return {
    fault: { kind: 'hold', stage, arrived: () => arrive(), verdict },
    handle: { reached, release: () => decide('answer'), drop: () => decide('drop') },
  };
}

/** The test's verdict; a closing emulator drops the held request (so a forgotten hold does not keep it open). */
export async function waitForVerdict(hold: HoldFault, closing: AbortSignal): Promise<HoldVerdict> {
  if (closing.aborted) return 'drop';
  return new Promise<HoldVerdict>((resolve) => {
    const onClose = () => resolve('drop');
    closing.addEventListener('abort', onClose, { once: true });
    void hold.verdict.then((verdict) => {
      closing.removeEventListener('abort', onClose);
      resolve(verdict);
    });
  });
}
