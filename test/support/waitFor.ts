import { setTimeout as pause } from 'node:timers/promises';

/**
 * Waits until `condition` holds, looking again every `intervalMs`: a short pause between looks at state, never a
 * sleep standing in for it. Fails with `what` when the condition does not hold within `timeoutMs`.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'the condition',
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(intervalMs);
  }
}
