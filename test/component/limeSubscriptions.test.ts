import { closeAll, connectTo, startLime } from '../support/lime';

const TARGET = 'https://companion.example.com/api/v1/lime/webhook';

afterEach(closeAll);

describe('the Lime connector: subscribing to person and company changes', () => {
  it('a Lime without the webhooks package is reported as unavailable, with the reason', async () => {
    const lime = await startLime({ webhooks: false });
    expect(await connectTo(lime).subscribeToContactChanges({ targetUrl: TARGET, secret: 's' })).toEqual({
      kind: 'unavailable',
      reason: expect.stringContaining('no webhooks package'),
    });
  });

  it('an API user outside Webhook Users is reported as unavailable, saying what to change in Lime', async () => {
    const lime = await startLime();
    lime.setApiKey('restricted', { person: ['read'], company: ['read'] });
    const connector = connectTo(lime, { apiKey: 'restricted' });
    expect(await connector.subscribeToContactChanges({ targetUrl: TARGET, secret: 's' })).toEqual({
      kind: 'unavailable',
      reason: expect.stringContaining('Webhook Users'),
    });
  });

  it('two subscriptions to our target (an earlier answer lost) become one, enabled, with our secret', async () => {
    const lime = await startLime();
    const connector = connectTo(lime);
    const first = await connector.subscribeToContactChanges({ targetUrl: TARGET, secret: 'old' });
    await connector.http.postJson('subscription/', { events: ['person.new'], target_url: TARGET, secret: 'x' });
    await connector.http.putJson(`subscription/${first.kind === 'subscribed' ? first.id : '0'}/`, { enabled: false });
    await connector.http.postJson('subscription/', { events: ['deal.new'], target_url: 'https://other.example/' });

    const again = await connector.subscribeToContactChanges({ targetUrl: TARGET, secret: 'new' });

    const ours = lime.subscriptions.filter((subscription) => subscription.target_url === TARGET);
    expect(ours).toEqual([expect.objectContaining({ enabled: true, secret: 'new' })]);
    expect(again).toMatchObject({ kind: 'subscribed', id: String(ours[0]?.id) });
    expect(lime.subscriptions).toHaveLength(2); // another integration's subscription is left alone
  });

  it('a Lime failing with 500 is an error to try again, not "unavailable"', async () => {
    const lime = await startLime();
    lime.failNext(1, { kind: 'status', status: 500 });
    await expect(connectTo(lime).subscribeToContactChanges({ targetUrl: TARGET, secret: 's' })).rejects.toMatchObject({
      code: 'server_error',
    });
    await expect(connectTo(lime).subscribeToContactChanges({ targetUrl: TARGET, secret: 's' })).resolves.toMatchObject({
      kind: 'subscribed',
    });
  });
});
