import { ConfigError, loadConfig } from '../../src/receiver/config/loadConfig';

const minimal = { DCI_WEBHOOK_SECRETS: 'secret-one' };

describe('LIME_RATE_LIMIT', () => {
  it.each([
    [undefined, { requests: 3000, windowMs: 300_000 }],
    ['', { requests: 3000, windowMs: 300_000 }],
    ['3000/300', { requests: 3000, windowMs: 300_000 }],
    [' 600 / 60 ', { requests: 600, windowMs: 60_000 }],
    ['off', undefined],
    ['OFF', undefined],
  ])('%p gives %p', (value, limit) => {
    const env = value === undefined ? minimal : { ...minimal, LIME_RATE_LIMIT: value };
    expect(loadConfig(env).limeRateLimit).toEqual(limit);
  });

  it.each(['3000', '3000/0', '0/300', '3000/300s', '-1/300', '3000/100000', 'unlimited'])(
    '%p is refused with a message that says the format',
    (value) => {
      let error: unknown;
      try {
        loadConfig({ ...minimal, LIME_RATE_LIMIT: value });
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain(
        'LIME_RATE_LIMIT must be <requests>/<seconds> (e.g. 3000/300: 3,000 requests in any 300 seconds) or off',
      );
    },
  );
});
