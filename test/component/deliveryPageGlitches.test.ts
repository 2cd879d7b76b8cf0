// The delivery pages as a user reads them (issue 17, "Delivery page glitches"): one test per glitch, on the rendered
// text of the real admin pages (supertest on the running receiver, real SQLite, the Lime emulator over HTTP).
import type request from 'supertest';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import type { RunningReceiver } from '../../src/receiver/startReceiver';
import type { LimeEmulator } from '../../src/sandbox/lime';
import { ADMIN_WEBHOOK_SECRET, signInAdmin, startAdminReceiver, untilDeliveryStatus } from '../support/adminHarness';
import { closeAll, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload, type WireParticipant } from '../support/payloads';

let receiver: RunningReceiver;
let lime: LimeEmulator;
let close: () => Promise<void>;

beforeEach(async () => {
  ({ receiver, lime, close } = await startAdminReceiver());
  lime.setApiKey(TEST_API_KEY, 'all');
});
afterEach(async () => {
  await close();
  await closeAll();
});

type Agent = ReturnType<typeof request.agent>;

async function connect(agent: Agent, csrf: string) {
  await agent.post('/admin/connection').type('form').send({
    _csrf: csrf,
    url: lime.baseUrl,
    apiKey: TEST_API_KEY,
    historyType: 'comment',
    internalDomains: 'seller.se',
  });
  // Saving starts a background connection check; let it finish so it does not take a fault meant for a delivery.
  for (let i = 0; i < 200 && receiver.settings.lastCheck() === undefined; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function push(conversationId: string, participants: WireParticipant[]) {
  const body = JSON.stringify(buildPayload({ id: conversationId, title: `Meeting ${conversationId}`, participants }));
  const response = await fetch(`${receiver.url}/api/v1/dci/webhook`, {
    method: 'POST',
    headers: signDci(body, ADMIN_WEBHOOK_SECRET),
    body,
  });
  expect(response.status).toBe(202);
}

/** What a person reads: the page without its tags, entities decoded, white space collapsed. */
function textOf(html: string): string {
  return (
    html
      .replace(/<(script|style)[\s\S]*?<\/\1>/gu, ' ')
      // Block elements separate words; inline ones (code, strong, time, span, a) do not.
      .replace(
        /<\/?(p|li|ul|h\d|td|th|tr|dt|dd|br|div|section|article|table|thead|tbody|form|label|button|option|select|header|nav|main|footer|pre|input)\b[^>]*>/gu,
        ' ',
      )
      .replace(/<[^>]+>/gu, '')
      .replace(/&#39;/gu, "'")
      .replace(/&quot;/gu, '"')
      .replace(/&lt;/gu, '<')
      .replace(/&gt;/gu, '>')
      .replace(/&amp;/gu, '&')
      .replace(/\s+/gu, ' ')
      .trim()
  );
}

/** The rendered text of one section (by its heading) of a page. */
function sectionText(html: string, heading: string): string {
  const start = html.indexOf(`<h2>${heading}</h2>`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = html.indexOf('</section>', start);
  return textOf(html.slice(start, end));
}

const ANNA = buildParticipant({ name: 'Anna Andersson', email: 'anna.andersson@acme.se' });
/** A caller DCI knows only by Acme's switchboard number (Acme's main number; its receptionist has it too). */
const SWITCHBOARD_CALLER = {
  name: 'Caller via reception',
  phone: '08-555 000 00',
  company: 'Acme AB',
  role: 'customer',
};
/** A caller DCI knows only by a number two persons at Acme share (a line that is not Acme's main number). */
const SHARED_LINE_CALLER = {
  name: 'Caller on the sales line',
  phone: '08-555 123 00',
  company: 'Acme AB',
  role: 'customer',
};

/** Lime refuses every note write (a new note or an update of ours) with a permanent 400. */
function refuseNotes() {
  lime.failWhen(
    (request) => request.method !== 'GET' && request.path.includes('/limeobject/history'),
    { kind: 'status', status: 400, body: { error: 'Bad Request', message: 'Invalid value.' } },
    1000,
  );
}

describe('the delivery page says what Lime holds, in words', () => {
  it('a participant matched only to a company reads "company … only, no person", never "Lime: , company …"', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    await connect(agent, csrf);
    await push('conv-glitch-company-only', [SWITCHBOARD_CALLER]);
    const row = await untilDeliveryStatus(receiver, 'conv-glitch-company-only', 'delivered');

    const page = textOf((await agent.get(`/admin/deliveries/${row.id}`)).text);

    expect(page).toMatch(/Lime: company \d+ only, no person; no note written/u);
    expect(page).not.toMatch(/Lime: ,/u);
  });

  it('a matched person reads "person … at company …, history note …"', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    await connect(agent, csrf);
    await push('conv-glitch-person', [ANNA]);
    const row = await untilDeliveryStatus(receiver, 'conv-glitch-person', 'delivered');

    const page = textOf((await agent.get(`/admin/deliveries/${row.id}`)).text);

    expect(page).toMatch(/Lime: person \d+ at company \d+, history note \d+/u);
  });
});

describe('the attempts are numbered as the attempt log counts them', () => {
  it('releases show as "not counted", a cut-off attempt keeps its number, the next one is numbered after it', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    // Not connected yet: the worker claims nothing, so this test plays the earlier attempts through the real store.
    await push('conv-glitch-attempts', [ANNA]);
    const [queued] = await receiver.store.listDeliveries({ search: 'conv-glitch-attempts', limit: 1 });
    const deliveryId = queued!.id;
    const claim = async (leaseMs = 60_000) => {
      const [claimed] = await receiver.store.claimDue({
        workerId: 'earlier-worker',
        now: new Date(),
        limit: 1,
        leaseMs,
      });
      expect(claimed?.deliveryId).toBe(deliveryId);
      return claimed!;
    };
    // Lime out, then its request limit full: two attempts given back without counting.
    for (const code of ['crm_unavailable', 'budget_wait']) {
      await claim();
      await receiver.store.releaseDelivery({
        deliveryId,
        workerId: 'earlier-worker',
        now: new Date(),
        reason: { code, message: `Given back (${code}).` },
      });
    }
    // Attempt 1 fails and is retried; attempt 2 is cut off (its lease runs out), then this receiver's worker takes over.
    const first = await claim();
    await receiver.store.retryDelivery({
      deliveryId,
      workerId: 'earlier-worker',
      version: first.version,
      attempt: {
        attempt: first.attempt,
        startedAt: new Date(),
        durationMs: 120,
        outcome: 'retry',
        errorCode: 'server_error',
        errorMessage: 'Lime answered 503.',
      },
      nextAttemptAt: new Date(),
      now: new Date(),
    });
    await claim(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await connect(agent, csrf);
    await untilDeliveryStatus(receiver, 'conv-glitch-attempts', 'delivered');

    const rows = sectionText((await agent.get(`/admin/deliveries/${deliveryId}`)).text, 'Attempts');

    const numbers = [...rows.matchAll(/(not counted|\b\d) (\d+ \w{3} \d{4} \d\d:\d\d:\d\d CES?T)/gu)].map((m) => m[1]);
    expect(numbers).toEqual(['not counted', 'not counted', '1', '2', '3']);
    expect(rows).toContain('given back, to be tried again crm_unavailable');
    expect(rows).toContain('failed, tried again later server_error');
    expect(rows).toContain('cut off, tried again lease_expired');
    expect(rows).toMatch(/3 [^]*delivered/u);
  });

  it('after Retry on a dead delivery the count starts over, and the page says so', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    await connect(agent, csrf);
    refuseNotes();
    await push('conv-glitch-restart', [ANNA]);
    const dead = await untilDeliveryStatus(receiver, 'conv-glitch-restart', 'dead');
    await agent.post(`/admin/deliveries/${dead.id}/retry`).type('form').send({ _csrf: csrf });
    await untilDeliveryStatus(receiver, 'conv-glitch-restart', 'dead');
    for (let i = 0; i < 200 && (await receiver.store.getDelivery(dead.id))!.attemptLog.length < 2; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    const rows = sectionText((await agent.get(`/admin/deliveries/${dead.id}`)).text, 'Attempts');

    expect(rows).toMatch(/1 .*failed, given up.*Started over: the attempts count from 1 again\. 1 .*failed, given up/u);
  });
});

describe('a flash never outlives the action it reports', () => {
  it('Retry redirects to the plain page address; the message shows once, with its time, and is gone on reload', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    await connect(agent, csrf);
    refuseNotes();
    await push('conv-glitch-flash', [ANNA]);
    const dead = await untilDeliveryStatus(receiver, 'conv-glitch-flash', 'dead');

    const retried = await agent.post(`/admin/deliveries/${dead.id}/retry`).type('form').send({ _csrf: csrf });

    expect(retried.status).toBe(303);
    expect(retried.headers['location']).toBe(`/admin/deliveries/${dead.id}`);
    const once = textOf((await agent.get(retried.headers['location'] as string)).text);
    expect(once).toMatch(/\d\d:\d\d:\d\d CES?T: The delivery was started over with fresh attempts\./u);
    await untilDeliveryStatus(receiver, 'conv-glitch-flash', 'dead');
    const reloaded = textOf((await agent.get(`/admin/deliveries/${dead.id}`)).text);
    expect(reloaded).toContain('Status dead');
    expect(reloaded).not.toContain('started over with fresh attempts');
    // An old address with the former ?notice= parameter shows no message either.
    const bookmarked = textOf((await agent.get(`/admin/deliveries/${dead.id}?notice=requeued`)).text);
    expect(bookmarked).not.toMatch(/queued and will be tried now|started over/u);
  });
});

describe('messages are rendered, not shown with their markup', () => {
  it("a dead letter's advice names the command as code, with no literal backtick on the page or in Dead letters", async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    await connect(agent, csrf);
    refuseNotes();
    await push('conv-glitch-backticks', [ANNA]);
    const dead = await untilDeliveryStatus(receiver, 'conv-glitch-backticks', 'dead');
    expect((await receiver.store.getDelivery(dead.id))?.lastErrorMessage).toContain('`dci-companion requeue`');

    const page = (await agent.get(`/admin/deliveries/${dead.id}`)).text;
    const list = (await agent.get('/admin/dead-letters')).text;

    for (const html of [page, list]) {
      expect(html).toContain('<code>dci-companion requeue</code>');
      expect(textOf(html)).not.toContain('`');
    }
  });

  it('the connection page renders a command in its error as code, not with backticks', async () => {
    const noKey = await startAdminReceiver({ SECRET_KEY: '' });
    try {
      const { agent, csrf } = await signInAdmin(noKey.receiver.url);
      const refused = await agent
        .post('/admin/connection')
        .type('form')
        .send({ _csrf: csrf, url: noKey.lime.baseUrl, apiKey: TEST_API_KEY, historyType: 'comment' });

      expect(refused.text).toContain('<code>openssl rand -hex 32</code>');
      expect(textOf(refused.text)).not.toContain('`');
    } finally {
      await noKey.close();
    }
  });

  it('Dry run says what would happen in words ("would get the note"), never would_write', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    await connect(agent, csrf);
    await push('conv-glitch-dry-run', [ANNA]);
    const row = await untilDeliveryStatus(receiver, 'conv-glitch-dry-run', 'delivered');

    const dryRun = sectionText(
      (await agent.post(`/admin/deliveries/${row.id}/dry-run`).type('form').send({ _csrf: csrf })).text,
      'Dry run (nothing was written)',
    );

    expect(dryRun).toContain('Anna Andersson: would get the note (matched by email)');
    expect(dryRun).not.toContain('would_write');
  });
});

describe('one time zone everywhere: the configured TIME_ZONE, shown', () => {
  it('the meeting, the attempts, the lists and the note all read in Stockholm time with its zone; no UTC', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    await connect(agent, csrf);
    await push('conv-glitch-zone', [ANNA]); // the meeting starts 2026-11-20T09:00Z: 10:00 in Stockholm (CET)
    const row = await untilDeliveryStatus(receiver, 'conv-glitch-zone', 'delivered');

    const html = (await agent.get(`/admin/deliveries/${row.id}`)).text;
    const dryRun = (await agent.post(`/admin/deliveries/${row.id}/dry-run`).type('form').send({ _csrf: csrf })).text;
    const pages = [
      html,
      (await agent.get('/admin/deliveries')).text,
      (await agent.get('/admin/dead-letters')).text,
      (await agent.get('/admin')).text,
    ];

    expect(textOf(html)).toContain('Meeting 20 Nov 2026 10:00 CET');
    expect(html).toContain('<time datetime="2026-11-20T09:00:00.000Z" title="Europe/Stockholm">');
    expect(sectionText(html, 'Attempts')).toMatch(/1 \d+ \w{3} \d{4} \d\d:\d\d:\d\d CES?T/u);
    expect(textOf(pages[1]!)).toMatch(/\d+ \w{3} \d{4} \d\d:\d\d CES?T Meeting conv-glitch-zone/u);
    // The note written in the same zone (renderNote names it).
    expect(textOf(dryRun)).toMatch(/10:00.*\(Europe\/Stockholm\)/u);
    for (const page of pages) expect(textOf(page)).not.toMatch(/\bUTC\b/u);
  });
});

describe('counts read as words', () => {
  it('requeueing one dead letter says "1 delivery requeued", never "delivery(ies)"', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    await connect(agent, csrf);
    refuseNotes();
    await push('conv-glitch-plural', [ANNA]);
    await untilDeliveryStatus(receiver, 'conv-glitch-plural', 'dead');
    const before = (await agent.get('/admin/dead-letters')).text;
    expect(textOf(before)).toContain('Requeue all 1 dead letter');

    const done = await agent.post('/admin/dead-letters/requeue-all').type('form').send({ _csrf: csrf });

    expect(done.headers['location']).toBe('/admin/dead-letters');
    const after = textOf((await agent.get('/admin/dead-letters')).text);
    expect(after).toContain('1 delivery requeued: it is tried again now with fresh attempts.');
    expect(after).not.toMatch(/\((ies|s)\)/u);
    expect(textOf((await agent.get('/admin/deliveries')).text)).toMatch(/\b1 delivery\b/u);
  });
});

describe('the contact index status does not contradict itself', () => {
  it('the last full sync is dated ("less than a minute ago", not "0 min ago") and nothing beside it says "not run yet"', async () => {
    const withIndex = await startAdminReceiver({ CONTACT_INDEX_SYNC_HOURS: '24' });
    try {
      const { agent, csrf } = await signInAdmin(withIndex.receiver.url);
      await agent
        .post('/admin/connection')
        .type('form')
        .send({ _csrf: csrf, url: withIndex.lime.baseUrl, apiKey: TEST_API_KEY, historyType: 'comment' });
      for (let i = 0; i < 200 && (await withIndex.receiver.store.contactIndexState('lime')).size === 0; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }

      const index = sectionText((await agent.get('/admin')).text, 'Contact index');

      expect(index).toMatch(
        /\d+ persons, last full sync \d+ \w{3} \d{4} \d\d:\d\d CES?T \((less than a minute|\d+ min) ago\)\. Kept fresh: a full sync at start and every 24 h/u,
      );
      expect(index).not.toContain('0 min ago');
      expect(index).not.toContain('not run yet');
    } finally {
      await withIndex.close();
    }
  });
});

describe('advice that fits the cause of an ambiguous match', () => {
  it('a switchboard number: ask for a direct number or e-mail; nothing about duplicates', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    await connect(agent, csrf);
    await push('conv-glitch-switchboard', [SWITCHBOARD_CALLER]);
    const row = await untilDeliveryStatus(receiver, 'conv-glitch-switchboard', 'delivered');

    const participants = sectionText((await agent.get(`/admin/deliveries/${row.id}`)).text, 'Participants');

    expect(participants).toMatch(/ambiguous DCI had only a number, and it is company \d+'s switchboard/u);
    expect(participants).toContain("ask for the person's direct number or e-mail");
    expect(participants).not.toMatch(/duplicate/iu);
  });

  it('a number several persons at one company share: a shared line, not duplicates to merge', async () => {
    const acme = lime.all('company').find((company) => company['name'] === 'Acme AB')!;
    for (const firstname of ['Sven', 'Stina']) {
      lime.insert('person', { firstname, lastname: 'Sälj', phone: '08-555 123 00', company: acme['_id'] });
    }
    const { agent, csrf } = await signInAdmin(receiver.url);
    await connect(agent, csrf);
    await push('conv-glitch-shared-line', [SHARED_LINE_CALLER]);
    const row = await untilDeliveryStatus(receiver, 'conv-glitch-shared-line', 'delivered');

    const participants = sectionText((await agent.get(`/admin/deliveries/${row.id}`)).text, 'Participants');

    expect(participants).toContain('2 persons at one company share this number (a switchboard or a shared line)');
    expect(participants).toContain(
      "They are different people: do not merge them. Add the person's direct number or e-mail",
    );
    expect(participants).toMatch(/Lime: company \d+ only, no person; no note written/u);
  });
});

describe('a dead delivery does not present an earlier match as current', () => {
  it('after a delivered meeting fails on Match again, its participant reads "failed", the old match as "earlier delivery"', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    await connect(agent, csrf);
    await push('conv-glitch-stale', [ANNA]);
    const row = await untilDeliveryStatus(receiver, 'conv-glitch-stale', 'delivered');
    refuseNotes();
    await agent.post(`/admin/deliveries/${row.id}/rerun`).type('form').send({ _csrf: csrf });
    await untilDeliveryStatus(receiver, 'conv-glitch-stale', 'dead');

    const participants = sectionText((await agent.get(`/admin/deliveries/${row.id}`)).text, 'Participants');
    const list = textOf((await agent.get('/admin/deliveries?q=conv-glitch-stale')).text);

    expect(participants).toMatch(/^Participants Anna Andersson failed The latest attempt failed/u);
    expect(participants).toMatch(
      /Earlier delivery \(\d+ \w{3} \d{4} \d\d:\d\d CES?T\): matched by email; Lime then: person \d+ at company \d+, history note \d+\./u,
    );
    expect(participants).not.toMatch(/Anna Andersson matched by email/u);
    expect(list).toContain('dead earlier: matched by email');
  });
});

describe('the actions fit the status and say what they do', () => {
  it('a delivered meeting offers Match again and Dry run, each with a hint; no Retry now', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    await connect(agent, csrf);
    await push('conv-glitch-actions', [ANNA]);
    const row = await untilDeliveryStatus(receiver, 'conv-glitch-actions', 'delivered');

    const html = (await agent.get(`/admin/deliveries/${row.id}`)).text;
    const buttons = [...html.matchAll(/<button type="submit" aria-describedby="(hint-[\w-]+)">([^<]+)<\/button>/gu)];

    expect(buttons.map((button) => button[2])).toEqual([
      'Match again and update the notes',
      'Dry run (writes nothing)',
    ]);
    for (const [, hintId] of buttons)
      expect(html).toMatch(new RegExp(`<p id="${hintId}" class="help">[^<]{20,}</p>`, 'u'));
    expect(textOf(html)).toContain(
      'notes already written are updated in place, a person matched for the first time gets a new note',
    );
    expect(textOf(html)).not.toContain('Retry now');
  });

  it('a dead meeting offers Retry now (a fresh start) and Dry run; no Match again', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    await connect(agent, csrf);
    refuseNotes();
    await push('conv-glitch-actions-dead', [ANNA]);
    const dead = await untilDeliveryStatus(receiver, 'conv-glitch-actions-dead', 'dead');

    const text = textOf((await agent.get(`/admin/deliveries/${dead.id}`)).text);

    expect(text).toContain(
      'Retry now Starts the delivery over with fresh attempts: fix the reason in Last error first.',
    );
    expect(text).toContain('Dry run (writes nothing) Matches the participants in Lime now');
    expect(text).not.toContain('Match again and update the notes');
  });
});
