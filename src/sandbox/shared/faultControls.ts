import type { FaultQueue } from './faultQueue';
import { createHold, type HeldRequestHandle, type HoldFault, type HoldStage } from './heldRequest';
import type { MatchedFaults } from './matchedFaults';

/**
 * The test-facing fault methods every emulator with holds offers alike (`failNext`, `failWhen`, `hold`,
 * `clearRequests`), over the emulator's own request log and fault queues; each emulator decides how a fault is
 * applied to a request.
 */
export function faultControls<View, Fault>(
  requests: unknown[],
  faults: FaultQueue<Fault>,
  targetedFaults: MatchedFaults<View, Fault | HoldFault>,
): {
  clearRequests(): void;
  failNext(count: number, fault: Fault): void;
  failWhen(match: (request: View) => boolean, fault: Fault, count?: number): void;
  hold(match: (request: View) => boolean, stage?: HoldStage): HeldRequestHandle;
} {
  return {
    clearRequests() {
      requests.length = 0;
    },
    failNext(count, fault) {
      faults.enqueue(count, fault);
    },
    failWhen(match, fault, count = 1) {
      targetedFaults.add(match, fault, count);
    },
    hold(match, stage = 'before_handling') {
      const { fault, handle } = createHold(stage);
      targetedFaults.add(match, fault, 1);
      return handle;
    },
  };
}
