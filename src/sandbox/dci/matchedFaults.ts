import type { HttpFault } from '../shared/faultQueue';
import type { DciRequestView } from './types';

interface Rule {
  match: (request: DciRequestView) => boolean;
  fault: HttpFault;
  remaining: number;
}

/** Faults for the next requests that match a predicate (`failWhen`), checked before the `failNext` queue. */
export class MatchedFaults {
  private readonly rules: Rule[] = [];

  add(match: Rule['match'], fault: HttpFault, count: number): void {
    if (count > 0) this.rules.push({ match, fault, remaining: count });
  }

  /** The fault of the first rule the request matches, if any; taking it uses one of the rule's requests up. */
  take(request: DciRequestView): HttpFault | undefined {
    const index = this.rules.findIndex((rule) => rule.match(request));
    const rule = this.rules[index];
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    if (rule.remaining === 0) this.rules.splice(index, 1);
    return rule.fault;
  }
}
