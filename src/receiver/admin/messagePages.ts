import type { Response } from 'express';
import type { SessionRequest } from './sessionRequest';

/** The message page's data for an address with nothing at it. */
export function notFound(request: SessionRequest) {
  return { title: 'Not found', message: 'There is nothing at this address.', session: request.adminSession };
}

/** The answer of a DCI route on a receiver without a DCI REST client. */
export function dciNotConfigured(response: Response): void {
  response.status(404).render('message', {
    title: 'DCI is not configured here',
    message: 'This receiver has no DCI REST client: the DCI settings are not available.',
    session: undefined,
  });
}
