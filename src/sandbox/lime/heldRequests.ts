import type { HeldRequest, HoldStage } from './types';

/** A request held until the test releases it: before it is handled, or handled with its answer held back. */
export interface HoldFault {
  kind: 'hold';
  stage: HoldStage;
  /** Called when a matching request is held (after handling, for `after_handling`). */
  arrived(): void;
  /** Resolves when the test releases the request. */
  released: Promise<void>;
}

/** A hold and the handle a test keeps to see it reached and to release it. */
export function createHold(stage: HoldStage): { fault: HoldFault; handle: HeldRequest } {
  let arrive = (): void => {};
  let release = (): void => {};
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return { fault: { kind: 'hold', stage, arrived: () => arrive(), released }, handle: { reached, release } };
}

/** Waits for `released`, or throws when the emulator closes first (the held request is then cut). */
export async function waitForRelease(released: Promise<void>, closing: AbortSignal): Promise<void> {
  if (closing.aborted) throw new Error('the emulator closed while a request was held');
  await new Promise<void>((resolve, reject) => {
    const onClose = () => reject(new Error('the emulator closed while a request was held'));
    closing.addEventListener('abort', onClose, { once: true });
    void released.then(() => {
      closing.removeEventListener('abort', onClose);
      resolve();
    });
  });
}
