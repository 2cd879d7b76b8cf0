import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffDelayMs } from '../../src/receiver/deliver/backoff';
import { classifyFailure } from '../../src/receiver/deliver/classifyFailure';
import { CrmError, type CrmErrorCode } from '../../src/crm/crmError';

describe('backoffDelayMs', () => {
  it.each([
    [1, 15_000],
    [2, 30_000],
    [3, 60_000],
    [8, 1_920_000],
    [9, 3_600_000],
    [40, 3_600_000],
  ])('after attempt %i the middle of the jitter range is %i ms', (attempt, ms) => {
    expect(backoffDelayMs(attempt, 0.5)).toBe(ms);
  });

  it('jitter stays within ±20 %', () => {
    expect(backoffDelayMs(1, 0)).toBe(BACKOFF_BASE_MS * 0.8);
    expect(backoffDelayMs(1, 0.999999)).toBeCloseTo(BACKOFF_BASE_MS * 1.2, -1);
  });

  it('Retry-After is honoured as a minimum, within the cap', () => {
    expect(backoffDelayMs(1, 0.5, 120_000)).toBe(120_000);
    expect(backoffDelayMs(5, 0.5, 1_000)).toBe(240_000);
    expect(backoffDelayMs(1, 0.5, 10 * BACKOFF_CAP_MS)).toBe(BACKOFF_CAP_MS);
  });
});

describe('classifyFailure', () => {
  const crm = (code: CrmErrorCode, status?: number, retryAfterMs?: number) =>
    new CrmError(code, `failed with ${code}`, { status, retryAfterMs });

  it.each([
    'dns_failed',
    'connection_refused',
    'connection_reset',
    'timeout',
    'network_error',
    'server_error',
    'bad_response',
  ] as const)('%s is retried', (code) => {
    expect(classifyFailure(crm(code))).toMatchObject({ retry: true, code });
  });

  it('429 is retried after what Retry-After asked for', () => {
    expect(classifyFailure(crm('rate_limited', 429, 7000))).toMatchObject({ retry: true, delayMs: 7000, status: 429 });
  });

  it.each([
    ['unauthorized', 'API key'],
    ['forbidden', 'permission'],
    ['tls_failed', 'LIME_CA_FILE'],
    ['bad_request', 'requeue'],
    ['schema_mismatch', 'field names'],
    ['not_found', 'API URL'],
  ] as const)('%s is permanent, and the message says what to fix (%s)', (code, hint) => {
    const decision = classifyFailure(crm(code, 400));
    expect(decision).toMatchObject({ retry: false, code });
    expect('message' in decision && decision.message).toContain(hint);
  });

  it.each([
    ['dns_failed', 'LIME_URL'],
    ['connection_refused', 'running'],
    ['timeout', 'Test connection'],
    ['server_error', 'Lime server'],
  ] as const)('%s says what to check should it last until the delivery is given up (%s)', (code, hint) => {
    const decision = classifyFailure(crm(code));
    expect(decision).toMatchObject({ retry: true, giveUpAdvice: expect.stringContaining(hint) });
  });

  it("a permanent failure carries Lime's own words (they name what was refused)", () => {
    const refused = new CrmError('forbidden', 'Lime denied the API user permission (403) on POST limeobject/history', {
      status: 403,
      detail: 'The API user may not create history.',
    });
    const decision = classifyFailure(refused);
    expect('message' in decision && decision.message).toContain('Lime said: "The API user may not create history."');
  });

  it('an abort (shutdown) gives the delivery back', () => {
    expect(classifyFailure(crm('aborted'))).toEqual({ release: true });
  });

  it('an unexpected error is permanent and reveals no internals', () => {
    const decision = classifyFailure(new TypeError('cannot read anna@acme.se'));
    expect(decision).toMatchObject({ retry: false, code: 'internal_error' });
    expect(JSON.stringify(decision)).not.toContain('anna@acme.se');
  });
});
