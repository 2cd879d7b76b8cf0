import { signDci } from '../../src/receiver/ingest/signWebhook';
import { ADMIN_WEBHOOK_SECRET, signInAdmin, startAdminReceiver, untilDeliveryStatus } from '../support/adminHarness';
import { closeAll, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';

jest.setTimeout(60_000);

const WEB = 'https://acme.lime-crm.com/acme/client';

/** A delivered meeting with Anna (a person of the demo data) on a receiver started with `env`; its page's HTML. */
async function deliveredPage(env: Record<string, string>): Promise<string> {
  const running = await startAdminReceiver(env);
  try {
    running.lime.setApiKey(TEST_API_KEY, 'all');
    const { agent, csrf } = await signInAdmin(running.receiver.url);
    await agent
      .post('/admin/connection')
      .type('form')
      .send({ _csrf: csrf, url: running.lime.baseUrl, apiKey: TEST_API_KEY, historyType: 'comment' })
      .expect(303);
    const body = JSON.stringify(
      buildPayload({
        id: 'conv-links',
        participants: [buildParticipant({ name: 'Anna Andersson', email: 'anna.andersson@acme.se' })],
      }),
    );
    const sent = await fetch(`${running.receiver.url}/api/v1/dci/webhook`, {
      method: 'POST',
      headers: signDci(body, ADMIN_WEBHOOK_SECRET),
      body,
    });
    expect(sent.status).toBe(202);
    const row = await untilDeliveryStatus(running.receiver, 'conv-links', 'delivered');
    const page = await agent.get(`/admin/deliveries/${row.id}`).expect(200);
    return page.text;
  } finally {
    await running.close();
  }
}

afterAll(async () => {
  await closeAll();
});

describe("the delivery page's links to Lime's web client", () => {
  it('with LIME_WEB_URL, the person, company and note open in Lime (rel=noreferrer)', async () => {
    const html = await deliveredPage({ LIME_WEB_URL: `${WEB}/` });

    const ids = /Lime: person (\d+) at company (\d+), history note (\d+)/u.exec(html);
    expect(ids).not.toBeNull();
    const [, person, company, note] = ids ?? [];
    expect(html).toContain('Open in Lime:');
    expect(html).toContain(`<a href="${WEB}/object/person/${person}" rel="noreferrer">person ${person}</a>`);
    expect(html).toContain(`<a href="${WEB}/object/company/${company}" rel="noreferrer">company ${company}</a>`);
    expect(html).toContain(`<a href="${WEB}/object/history/${note}" rel="noreferrer">history note ${note}</a>`);
  });

  it('without it, the ids are words only', async () => {
    const html = await deliveredPage({});

    expect(html).toMatch(/Lime: person \d+ at company \d+, history note \d+/u);
    expect(html).not.toContain('Open in Lime');
    expect(html).not.toContain('/object/person/');
  });
});
