import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { signDci, signStandardWebhook } from '../../src/receiver/ingest/signWebhook';
import { buildParticipant, buildPayload } from '../support/payloads';
import { rawHttpRequest } from '../support/rawHttp';
import { buildReceiver, signedDci, WEBHOOK_SECRET, type TestReceiver } from '../support/receiver';

let receiver: TestReceiver;
beforeEach(async () => {
  receiver = await buildReceiver({ secrets: ['old-secret', WEBHOOK_SECRET, 'whsec_c2VjcmV0LWZvci1zdGFuZGFyZA=='] });
});
afterEach(() => receiver.close());

const post = (body: string | Buffer, headers: Record<string, string>) =>
  request(receiver.app).post('/api/v1/dci/webhook').set(headers).send(body);

/**
 * Posts exact bytes over a real connection (supertest re-serialises a Buffer as JSON when the content type is JSON,
 * which would hide what a compressed body does).
 */
async function postOverHttp(
  target: TestReceiver,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; body: { id?: string; error?: { code: string } } }> {
  const server = createServer(target.app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await rawHttpRequest(port, {
      path: '/api/v1/dci/webhook',
      headers: Object.entries(headers),
      body,
    });
    return { status: response.status, body: JSON.parse(response.body) as { id?: string; error?: { code: string } } };
  } finally {
    server.close();
  }
}

describe('POST /api/v1/dci/webhook', () => {
  it('a signed valid summary is stored and acknowledged with 202 and an id', async () => {
    const payload = buildPayload();
    const { body, headers } = signedDci(payload);
    const response = await post(body, headers);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ id: expect.any(String), status: 'queued' });
    const [row] = await receiver.store.listDeliveries({ limit: 5 });
    expect(row).toMatchObject({ status: 'pending', title: 'Offer review — Acme' });
    expect((await receiver.store.getEventBody(response.body.id))?.toString()).toBe(body);
  });

  it('a missing signature is a 401 and nothing is stored', async () => {
    const response = await post(JSON.stringify(buildPayload()), { 'content-type': 'application/json' });
    expect(response.status).toBe(401);
    expect(response.body.error).toMatchObject({ code: 'missing_signature' });
    expect(await receiver.store.listDeliveries({ limit: 5 })).toEqual([]);
  });

  it('a signature over other bytes (re-serialised JSON) is a 401', async () => {
    const payload = buildPayload();
    const { headers } = signedDci(payload);
    const response = await post(JSON.stringify(payload, null, 2), headers);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('bad_signature');
  });

  it('a malformed signature header is a 401, never a 500', async () => {
    const { body, headers } = signedDci(buildPayload());
    for (const signature of ['sha256=', 'md5=abc', 'sha256=zz', 'x'.repeat(5000)]) {
      const response = await post(body, { ...headers, 'x-webhook-signature': signature });
      expect(response.status).toBe(401);
    }
  });

  it('any of several configured secrets verifies (rotation)', async () => {
    const body = JSON.stringify(buildPayload());
    expect((await post(body, signDci(body, 'old-secret'))).status).toBe(202);
  });

  it('a Standard Webhooks request with a whsec_ secret is accepted', async () => {
    const body = JSON.stringify(buildPayload());
    const headers = signStandardWebhook(body, 'whsec_c2VjcmV0LWZvci1zdGFuZGFyZA==', { now: receiver.clock.now() });
    expect((await post(body, headers)).status).toBe(202);
  });

  it('a Standard Webhooks request older than 5 minutes is a 401', async () => {
    const body = JSON.stringify(buildPayload());
    const old = new Date(receiver.clock.now().getTime() - 6 * 60 * 1000);
    const headers = signStandardWebhook(body, 'whsec_c2VjcmV0LWZvci1zdGFuZGFyZA==', { now: old });
    const response = await post(body, headers);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('stale_timestamp');
  });

  it("DCI's X-Webhook-Timestamp is not used to reject a late retry (it is not signed)", async () => {
    const { body, headers } = signedDci(buildPayload());
    const response = await post(body, { ...headers, 'x-webhook-timestamp': '1000000000' });
    expect(response.status).toBe(202);
  });

  it('a body that is not JSON is a 415', async () => {
    const body = 'event=conversation.completed';
    const response = await post(body, {
      ...signDci(body, WEBHOOK_SECRET),
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe('unsupported_media_type');
  });

  it('a body over the size limit is a 413', async () => {
    const small = await buildReceiver({ maxBodyBytes: 2048 });
    try {
      const { body, headers } = signedDci(buildPayload({ summary: 'x'.repeat(4000) }));
      const response = await request(small.app).post('/api/v1/dci/webhook').set(headers).send(body);
      expect(response.status).toBe(413);
      expect(response.body.error.code).toBe('payload_too_large');
    } finally {
      await small.close();
    }
  });

  it('a gzip or br encoded body is inflated, verified on the inflated bytes and stored as sent', async () => {
    for (const [encoding, compress] of [
      ['gzip', gzipSync],
      ['br', brotliCompressSync],
    ] as const) {
      const { body, headers } = signedDci(buildPayload({ conversation_id: `conv-${encoding}` }));
      const response = await postOverHttp(receiver, compress(Buffer.from(body)), {
        ...headers,
        'content-encoding': encoding,
      });
      expect(response.status).toBe(202);
      expect((await receiver.store.getEventBody(response.body.id ?? ''))?.toString()).toBe(body);
    }
  });

  it('a small compressed body that inflates past the limit is a 413, not a memory spike', async () => {
    const small = await buildReceiver({ maxBodyBytes: 2048 });
    try {
      const { body, headers } = signedDci(buildPayload({ summary: ' '.repeat(50_000) }));
      const compressed = gzipSync(Buffer.from(body));
      expect(compressed.length).toBeLessThan(2048);
      const response = await postOverHttp(small, compressed, { ...headers, 'content-encoding': 'gzip' });
      expect(response.status).toBe(413);
      expect(response.body.error?.code).toBe('payload_too_large');
      expect(await small.store.listDeliveries({ limit: 5 })).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it('an unknown Content-Encoding is a 415 and a corrupt gzip body a 400', async () => {
    const { body, headers } = signedDci(buildPayload());
    const unknown = await post(body, { ...headers, 'content-encoding': 'compress' });
    expect(unknown.status).toBe(415);
    expect(unknown.body.error.code).toBe('unsupported_content_encoding');
    const corrupt = await postOverHttp(receiver, Buffer.from('not gzip at all'), {
      ...headers,
      'content-encoding': 'gzip',
    });
    expect(corrupt.status).toBe(400);
    expect(corrupt.body.error?.code).toBe('unreadable_body');
  });

  it('signed JSON that is not valid JSON is a 400 invalid_json', async () => {
    const body = '{"event": "conversation.completed",';
    const response = await post(body, signDci(body, WEBHOOK_SECRET));
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_json');
  });

  it('an invalid payload is a 400 listing every issue with its path', async () => {
    const { body, headers } = signedDci(buildPayload({ title: '', date: '2026-11-20T09:00:00' }));
    const response = await post(body, headers);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: {
        code: 'invalid_payload',
        message: expect.any(String),
        issues: expect.arrayContaining([
          { path: '$.data.conversation.title', message: 'must not be empty' },
          { path: '$.data.conversation.date', message: expect.stringContaining('time zone') },
        ]),
      },
    });
    expect(await receiver.store.listDeliveries({ limit: 5 })).toEqual([]);
  });

  it('a repeated delivery id is answered 200 with the original id and stored once', async () => {
    const { body, headers } = signedDci(buildPayload(), 'delivery-123');
    const first = await post(body, headers);
    const again = await post(body, headers);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: first.body.id, status: 'duplicate' });
    expect(await receiver.store.listDeliveries({ limit: 5 })).toHaveLength(1);
  });

  it('another event type is acknowledged with 200 and recorded as ignored', async () => {
    const body = JSON.stringify({ event: 'conversation.deleted', data: {} });
    const response = await post(body, signDci(body, WEBHOOK_SECRET, { event: 'conversation.deleted' }));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ id: expect.any(String), status: 'ignored' });
    expect(await receiver.store.listDeliveries({ limit: 5 })).toEqual([]);
  });

  it('integration.test answers 200 with the current CRM connection check, without calling the CRM', async () => {
    const body = JSON.stringify({ event: 'integration.test' });
    const unchecked = await post(body, signDci(body, WEBHOOK_SECRET, { event: 'integration.test' }));
    expect(unchecked.body.connection).toMatchObject({ ok: false, code: 'not_checked' });
    receiver.setConnectionCheck({
      ok: false,
      code: 'unauthorized',
      steps: [
        { step: 'reach', ok: true, message: 'ok' },
        { step: 'authenticate', ok: false, message: 'Lime rejected the API key (401).' },
      ],
    });
    const checked = await post(body, signDci(body, WEBHOOK_SECRET, { event: 'integration.test' }));
    expect(checked.status).toBe(200);
    expect(checked.body.connection).toEqual({
      ok: false,
      code: 'unauthorized',
      message: 'Lime rejected the API key (401).',
    });
  });

  it('a summary for a conversation already queued replaces the older payload: one delivery', async () => {
    const older = signedDci(buildPayload({ id: 'conv-1' }));
    await post(older.body, older.headers);
    const newer = signedDci(
      buildPayload({ id: 'conv-1', summary: 'Newer text.' }, { timestamp: '2026-11-20T11:00:00.000Z' }),
    );
    const response = await post(newer.body, newer.headers);
    expect(response.status).toBe(202);
    const rows = await receiver.store.listDeliveries({ limit: 5 });
    expect(rows).toHaveLength(1);
    const detail = await receiver.store.getDelivery(rows[0]?.id ?? '');
    expect((await receiver.store.getEventBody(detail?.eventId ?? ''))?.toString()).toContain('Newer text.');
  });

  it('when the store cannot write, the answer is 503 so DCI retries, never 2xx', async () => {
    const broken = await buildReceiver();
    await broken.store.close();
    try {
      const { body, headers } = signedDci(buildPayload());
      const response = await request(broken.app).post('/api/v1/dci/webhook').set(headers).send(body);
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('30');
      expect((await request(broken.app).get('/readyz')).status).toBe(503);
    } finally {
      await broken.close().catch(() => undefined);
    }
  });

  it('logs carry no e-mail, phone, summary text, secret or signature', async () => {
    const payload = buildPayload({
      summary: 'Confidential summary text about Acme pricing.',
      participants: [buildParticipant({ email: 'private.person@acme.se', phone: '070-765 43 21' })],
    });
    const { body, headers } = signedDci(payload);
    await post(body, headers);
    await post(body, { ...headers, 'x-webhook-signature': 'sha256=00' });
    const logs = receiver.logs.join('\n');
    expect(receiver.logs.length).toBeGreaterThan(0);
    for (const secretValue of [
      'private.person@acme.se',
      '070-765 43 21',
      'Confidential summary',
      WEBHOOK_SECRET,
      headers['x-webhook-signature'] ?? '-',
    ]) {
      expect(logs).not.toContain(secretValue);
    }
  });
});

describe('health, readiness and metrics', () => {
  it('/healthz is up, /readyz reports the store and CRM state, /metrics counts requests', async () => {
    expect((await request(receiver.app).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(receiver.app).get('/readyz')).body).toEqual({
      status: 'ready',
      store: 'ok',
      crm: 'unchecked',
    });
    const { body, headers } = signedDci(buildPayload());
    await post(body, headers);
    await post(body, { 'content-type': 'application/json' });
    const metrics = (await request(receiver.app).get('/metrics')).text;
    expect(metrics).toMatch(/dci_webhooks_received_total 2/u);
    expect(metrics).toMatch(/dci_webhooks_accepted_total 1/u);
    expect(metrics).toMatch(/dci_webhooks_rejected_total\{reason="missing_signature"\} 1/u);
    expect(metrics).toMatch(/dci_queue_depth 1/u);
  });
});
