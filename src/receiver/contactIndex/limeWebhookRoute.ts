import express, { type Request, type Response, type Router } from 'express';
import { CrmError } from '../../crm/crmError';
import type { Logger } from '../observability/logger';
import type { AppliedNotification, ContactNotificationReceiver } from './contactIndexKeeper';
import { HttpError } from '../httpEdge/httpError';
import { readRequestBody } from '../httpEdge/readRequestBody';

/** Where Lime posts its webhook deliveries, below the receiver's public URL. */
export const LIME_WEBHOOK_PATH = '/api/v1/lime/webhook';

/** How long Lime is asked to wait before sending a notification we could not apply again. */
const RETRY_AFTER_SECONDS = '30';

/**
 * `POST /api/v1/lime/webhook`: Lime's webhook deliveries of person and company changes, which keep the contact index
 * fresh. Raw body → `X-Lime-Signature` on those exact bytes → parse → apply → 200. A notification that could not
 * be applied (Lime or the store failing) is a 503, so Lime sends it again; nothing is acknowledged unapplied.
 */
export function limeWebhookRoute(deps: {
  receiver: ContactNotificationReceiver;
  maxBodyBytes: number;
  logger: Logger;
}): Router {
  const router = express.Router();
  router.post(LIME_WEBHOOK_PATH, async (request: Request, response: Response) => {
    // The same reader as DCI's webhook: the size limit on the inflated body, a refused body read to its end.
    const rawBody = await readRequestBody(request, deps.maxBodyBytes);
    const signature = deps.receiver.verifyNotification(rawBody, request.headers);
    switch (signature) {
      case 'off':
        throw new HttpError(
          404,
          'lime_webhooks_off',
          'This receiver takes no Lime webhooks now (contact index off, RECEIVER_PUBLIC_URL or SECRET_KEY not set, or no Lime connection).',
        );
      case 'missing_signature':
        throw new HttpError(401, 'missing_signature', 'The request carries no X-Lime-Signature header.');
      case 'bad_signature':
        throw new HttpError(401, 'bad_signature', 'The X-Lime-Signature does not match the subscription secret.');
      case 'ok':
        break;
    }
    let notification: unknown;
    try {
      notification = JSON.parse(rawBody.toString('utf8')) as unknown;
    } catch {
      throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
    }

    let applied: AppliedNotification;
    try {
      applied = await deps.receiver.applyNotification(notification);
    } catch (error) {
      const lime = error instanceof CrmError;
      deps.logger.warn({ err: error }, 'a Lime notification could not be applied; Lime is asked to send it again');
      throw new HttpError(
        503,
        lime ? 'crm_unavailable' : 'store_unavailable',
        lime
          ? 'Lime could not be read back for this change; send it again later.'
          : 'The contact index cannot be written now; send it again later.',
        { headers: { 'retry-after': RETRY_AFTER_SECONDS } },
      );
    }
    switch (applied.kind) {
      case 'invalid':
        throw new HttpError(400, 'invalid_payload', applied.message);
      case 'ignored':
        response.status(200).json({ status: 'ignored', event: applied.event, reason: applied.reason });
        return;
      case 'applied':
        response.status(200).json({ status: 'applied', event: applied.event });
        return;
    }
  });
  return router;
}
