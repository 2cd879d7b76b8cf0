import type { AlertEvent } from '../../src/receiver/alerts/alertEvents';
import { AlertWatch } from '../../src/receiver/alerts/alertWatch';
import { createLogger } from '../../src/receiver/observability/logger';
import { waitFor } from '../support/waitFor';

// Issue 16 review, finding 6: the first dead letters are grouped too. A revoked key kills a burst within seconds;
// the alert waits a short grouping delay (a minute in production, 100 ms here) and says the whole count at once,
// then at most one dead-letter alert per window (15 minutes in production) follows.

describe('dead-letter alerts', () => {
  let watch: AlertWatch | undefined;
  afterEach(async () => {
    await watch?.stop();
    watch = undefined;
  });

  function start(): AlertEvent[] {
    const sent: AlertEvent[] = [];
    watch = new AlertWatch({
      send: (event) => sent.push(event),
      afterMs: 60_000,
      deadLetterGroupingMs: 100,
      deadLetterWindowMs: 60_000,
      logger: createLogger('silent'),
    });
    watch.start();
    return sent;
  }

  it('a burst of dead letters is one alert with the whole count', async () => {
    const sent = start();
    for (let i = 0; i < 50; i += 1) watch!.settled({ result: 'dead', code: i < 48 ? 'unauthorized' : 'server_error' });
    expect(sent.filter((event) => event.kind === 'dead_letters')).toEqual([]);

    await waitFor(() => sent.some((event) => event.kind === 'dead_letters'), 5_000, 'the dead-letter alert');
    expect(sent.filter((event) => event.kind === 'dead_letters')).toEqual([
      { kind: 'dead_letters', count: 50, byCode: { unauthorized: 48, server_error: 2 } },
    ]);
    // The refused key is said once, at once.
    expect(sent.filter((event) => event.kind === 'connection_lost')).toHaveLength(1);
  });

  it('dead letters after the first alert wait for the window: at most one alert per window', async () => {
    const sent = start();
    watch!.settled({ result: 'dead', code: 'server_error' });
    await waitFor(() => sent.length === 1, 5_000, 'the first alert');
    watch!.settled({ result: 'dead', code: 'server_error' });
    watch!.settled({ result: 'dead', code: 'timeout' });
    // Well past the grouping delay, still inside the window: nothing more is sent.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sent).toHaveLength(1);

    await watch!.stop();
    watch = undefined;
    // Stopping sends what waited, grouped.
    expect(sent.at(-1)).toEqual({ kind: 'dead_letters', count: 2, byCode: { server_error: 1, timeout: 1 } });
  });
});
