interface Rule<Request, Fault> {
  match: (request: Request) => boolean;
  fault: Fault;
  remaining: number;
}

/**
 * Faults for the next requests that match a predicate (`failWhen`), checked before the plain `failNext` queue: a
 * test can fail the one call it is about (the note write), whatever reads and lookups come first.
 */
export class MatchedFaults<Request, Fault> {
  private readonly rules: Rule<Request, Fault>[] = [];

  add(match: (request: Request) => boolean, fault: Fault, count: number): void {
    if (count > 0) this.rules.push({ match, fault, remaining: count });
  }

  /** The fault of the first rule the request matches, if any; taking it uses one of the rule's requests up. */
  take(request: Request): Fault | undefined {
    const index = this.rules.findIndex((rule) => rule.match(request));
    const rule = this.rules[index];
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    if (rule.remaining === 0) this.rules.splice(index, 1);
    return rule.fault;
  }
}
