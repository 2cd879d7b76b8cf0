import { loadConfig } from '../../src/receiver/config/loadConfig';

const minimal = { DCI_WEBHOOK_SECRETS: 'secret-one' };

describe('WORKER_HEARTBEAT_SECONDS', () => {
  it('workers beat every 5 s unless set, from 1 to 60 s; anything else is refused by name', () => {
    expect(loadConfig(minimal).workerHeartbeatMs).toBe(5_000);
    expect(loadConfig({ ...minimal, WORKER_HEARTBEAT_SECONDS: '1' }).workerHeartbeatMs).toBe(1_000);
    expect(loadConfig({ ...minimal, WORKER_HEARTBEAT_SECONDS: '60' }).workerHeartbeatMs).toBe(60_000);
    for (const refused of ['0', '61', '2.5', 'soon']) {
      expect(() => loadConfig({ ...minimal, WORKER_HEARTBEAT_SECONDS: refused })).toThrow(
        /WORKER_HEARTBEAT_SECONDS must be a whole number from 1 to 60/u,
      );
    }
  });
});
