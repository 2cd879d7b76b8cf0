import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseSummaryPayload } from '../../core';
import type { ConnectionCheck } from '../../crm/crmConnector';
import { readWebhookEnvelope, repeatedWebhookHeader } from './readWebhookEnvelope';
import { verifySignature } from './verifySignature';
import type { ParticipantKeyer } from './participantKeysIndex';
import type { Logger } from '../observability/logger';
import type { ReceiverMetrics } from '../observability/metrics';
import type { DeliveryQueue } from '../store/ports/deliveryQueue';
import { HttpError } from '../httpEdge/httpError';
import { readRequestBody, RequestAbortedError } from '../httpEdge/readRequestBody';

export interface WebhookRouteDeps {
  store: Pick<DeliveryQueue, 'acceptSummary' | 'recordIgnoredEvent'>;
  secrets: readonly string[];
  maxBodyBytes: number;
  /** The CRM target deliveries are for. */
  target: string;
  /** The last CRM connection check, for `integration.test` (the CRM is never called inside a request). */
  connectionState: () => ConnectionCheck | undefined;
  /** Called after a summary is durably stored, so the worker delivers it promptly. */
  onQueued: () => void;
  logger: Logger;
  metrics?: ReceiverMetrics | undefined;
  now: () => Date;
  /** Makes each summary's participant lookup rows; absent: none are stored (search by e-mail or phone finds none). */
  participantKeys?: ParticipantKeyer | undefined;
}

const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/iu;

/** The ingest route's method and path: `createApp` sends these requests here before Express sees them. */
export const INGEST_PATH = '/api/v1/dci/webhook';

export function isIngestRequest(request: IncomingMessage): boolean {
  return (
    request.method === 'POST' && (request.url === INGEST_PATH || request.url?.startsWith(`${INGEST_PATH}?`) === true)
  );
}

/**
 * `POST /api/v1/dci/webhook`: raw body → verify the signature on those exact bytes → parse → validate → store
 * durably → answer. Nothing is acknowledged before it is stored, and the CRM is never called here.
 *
 * The one route DCI calls thousands of times a minute at peak is served on Node's own request and response: it needs
 * no routing, middleware or templates, and skipping them is a good share of what one acknowledgement costs.
 * Answers are the same JSON shapes as the rest of the app (`{ error: { code, message, issues? } }`).
 */
export function ingestHandler(deps: WebhookRouteDeps): (request: IncomingMessage, response: ServerResponse) => void {
  const reject = (status: number, code: string, message: string, extra = {}) => {
    deps.metrics?.rejected.inc({ reason: code });
    return new HttpError(status, code, message, extra);
  };

  async function ingest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    deps.metrics?.received.inc();
    let rawBody: Buffer;
    try {
      rawBody = await readRequestBody(request, deps.maxBodyBytes);
    } catch (error) {
      if (error instanceof HttpError) deps.metrics?.rejected.inc({ reason: error.code });
      throw error;
    }

    if (deps.secrets.length === 0) {
      throw reject(
        404,
        'webhooks_off',
        "This receiver takes no webhooks: it polls DCI's REST API (poll mode). Set DCI_WEBHOOK_SECRETS to take them.",
      );
    }
    const repeated = repeatedWebhookHeader(request.headersDistinct);
    if (repeated !== undefined) {
      throw reject(400, 'repeated_header', `The ${repeated} header must be sent once, not repeated.`);
    }
    const signature = verifySignature(rawBody, request.headers, deps.secrets, deps.now());
    if (!signature.ok) {
      const message =
        signature.reason === 'missing_signature'
          ? 'The request carries no webhook signature.'
          : signature.reason === 'stale_timestamp'
            ? 'The webhook timestamp is outside the 5-minute tolerance.'
            : 'The webhook signature does not match any configured secret.';
      throw reject(401, signature.reason, message);
    }
    if (!JSON_TYPE.test(request.headers['content-type'] ?? '')) {
      throw reject(415, 'unsupported_media_type', 'The body must be JSON (Content-Type: application/json).');
    }
    // JSON is UTF-8 (RFC 8259 §8.1): bytes that a lenient decode would silently turn into U+FFFD are refused. A
    // byte-order mark is kept, so JSON.parse refuses it here exactly as it would when the worker reads the stored bytes.
    if (!isUtf8(rawBody)) {
      throw reject(400, 'invalid_json', 'The body is not valid UTF-8, so it is not valid JSON.');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(rawBody.toString('utf8')) as unknown;
    } catch {
      throw reject(400, 'invalid_json', 'The body is not valid JSON.');
    }
    const envelope = readWebhookEnvelope(payload, signature);
    if (!envelope.ok) {
      throw reject(400, envelope.code, envelope.message, envelope.issues ? { issues: envelope.issues } : {});
    }

    const receivedAt = deps.now();
    const { eventType } = envelope;
    const deliveryKey = envelope.deliveryId ?? `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
    // The request's child logger, made when a line is written: at LOG_LEVEL=warn an accepted summary writes none.
    let child: Logger | undefined;
    const log = (): Logger =>
      (child ??= deps.logger.child({ deliveryKeyHash: shortHash(deliveryKey), scheme: signature.scheme, eventType }));
    const info = (fields: Record<string, unknown>, message: string): void => {
      if (deps.logger.isLevelEnabled('info')) log().info(fields, message);
    };

    if (eventType !== 'conversation.completed') {
      const { eventId } = await durably(log, () =>
        deps.store.recordIgnoredEvent({ deliveryKey, scheme: signature.scheme, receivedAt, eventType }),
      );
      info({ eventId }, 'event acknowledged and ignored');
      if (eventType === 'integration.test') {
        sendJson(response, 200, {
          id: eventId,
          status: 'ignored',
          connection: connectionSummary(deps.connectionState()),
        });
        return;
      }
      sendJson(response, 200, { id: eventId, status: 'ignored' });
      return;
    }

    const parsed = parseSummaryPayload(payload);
    if (!parsed.ok) {
      info({ issues: parsed.issues.length }, 'summary rejected as invalid');
      throw reject(400, 'invalid_payload', 'The payload does not match the summary contract.', {
        issues: parsed.issues,
      });
    }
    const result = await durably(log, () =>
      deps.store.acceptSummary({
        deliveryKey,
        scheme: signature.scheme,
        receivedAt,
        rawBody,
        conversationId: parsed.summary.conversationId,
        eventTimestamp: parsed.summary.eventTimestamp,
        title: parsed.summary.title,
        target: deps.target,
        participantKeys: deps.participantKeys?.keysOf(parsed.summary),
      }),
    );
    switch (result.kind) {
      case 'queued':
        deps.metrics?.accepted.inc();
        info({ eventId: result.eventId, deliveryId: result.deliveryId }, 'summary stored and queued');
        deps.onQueued();
        sendJson(response, 202, { id: result.eventId, status: 'queued' });
        return;
      case 'duplicate':
        info({ eventId: result.eventId }, 'duplicate delivery acknowledged');
        sendJson(response, 200, { id: result.eventId, status: 'duplicate' });
        return;
      case 'stale':
        info({ eventId: result.eventId, deliveryId: result.deliveryId }, 'older re-send stored, not delivered');
        sendJson(response, 200, { id: result.eventId, status: 'stale' });
        return;
    }
  }

  return (request, response) => {
    ingest(request, response).catch((error: unknown) => {
      if (error instanceof RequestAbortedError) return;
      if (error instanceof HttpError) {
        sendJson(response, error.status, error.body(), error.headers);
        return;
      }
      deps.logger.error({ err: error }, 'request failed unexpectedly');
      sendJson(response, 500, { error: { code: 'internal_error', message: 'The receiver failed; see its logs.' } });
    });
  };
}

/** One JSON answer, never cached (an acknowledgement is not reusable). */
function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

/** A store write; when the store cannot write (disk full, read-only), 503 so the sender retries later. */
async function durably<T>(log: () => Logger, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    log().error({ err: error }, 'storing the request failed; answered 503');
    throw new HttpError(503, 'store_unavailable', 'The receiver cannot store the request right now; retry later.', {
      headers: { 'retry-after': '30' },
    });
  }
}

function connectionSummary(check: ConnectionCheck | undefined) {
  if (!check) return { ok: false, code: 'not_checked', message: 'No CRM connection is configured or checked yet.' };
  const failed = check.steps.find((step) => !step.ok);
  return { ok: check.ok, code: check.code, message: failed?.message ?? check.steps.at(-1)?.message };
}

/** Delivery keys are not personal, but a hash keeps log lines short and uniform. */
function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 12);
}
