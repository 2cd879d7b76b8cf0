import { z } from 'zod';
import type { ContactChangeSubscription } from '../crm/crmConnector';
import { CrmError } from '../crm/crmError';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';
import { parseLime } from './limeSchemas';

/** How our subscription is named in Lime Admin's webhook list. */
export const SUBSCRIPTION_NAME = 'DCI CRM Companion: contact index';

/**
 * [assumption] GET subscription/available/ answers a JSON array of event names ("person.update"); the documentation
 * does not show the answer, so an `events` list, or items carrying the name in `event`/`name`, are read too.
 */
const availableSchema = z.union([
  z.array(z.union([z.string(), z.object({ event: z.string() }), z.object({ name: z.string() })])),
  z.object({ events: z.array(z.string()) }),
]);

/** [inferred: the official n8n nodes] a subscription is {id, name, enabled, events, target_url}; lists are arrays. */
const subscriptionSchema = z.looseObject({
  id: z.union([z.number(), z.string()]),
  target_url: z.string(),
  enabled: z.boolean().optional(),
  events: z.array(z.string()).optional(),
});
const subscriptionListSchema = z.array(subscriptionSchema);

/** The events the contact index follows: persons in full, companies for their name and main number. */
export function contactEvents(fields: LimeFieldMap): { required: string[]; optional: string[] } {
  const person = fields.person.limetype;
  const company = fields.company.limetype;
  return {
    required: [`${person}.new`, `${person}.update`, `${person}.delete`, `${company}.update`],
    optional: [`${person}.restore`, `${company}.delete`],
  };
}

/**
 * Makes sure Lime posts person and company changes to `targetUrl`, signed with `secret`: probes the events Lime
 * offers, creates a subscription with the secret, then deletes every other subscription to `targetUrl`.
 *
 * Why delete-and-recreate: Lime never shows a secret, so whether the existing subscription signs with ours cannot
 * be known, and Lime's docs list only `events`, `target_url` and `enabled` for a PUT (a `secret` there is not
 * documented: never sent). Why create first: between the two steps both subscriptions exist and a change is
 * delivered twice (harmless: each delivery is read back from Lime), never zero times. When several replicas do this
 * at once, each keeps the newest subscription (the highest id) and deletes the others, so they agree on one.
 */
export async function subscribeToLimeChanges(
  http: LimeHttp,
  fields: LimeFieldMap,
  request: { targetUrl: string; secret: string; signal?: AbortSignal | undefined },
): Promise<ContactChangeSubscription> {
  const { signal, targetUrl } = request;
  let availableJson: unknown;
  try {
    availableJson = await http.getJson('subscription/available/', {}, signal);
  } catch (error) {
    const unavailable = unavailableBecause(error);
    if (unavailable) return unavailable;
    throw error;
  }
  const available = new Set(eventNames(parseLime(availableSchema, availableJson, 'GET subscription/available')));
  const wanted = contactEvents(fields);
  const missing = wanted.required.filter((event) => !available.has(event));
  if (missing.length > 0) {
    return { kind: 'unavailable', reason: `this Lime offers no ${missing.join(', ')} webhooks` };
  }
  const events = [...wanted.required, ...wanted.optional.filter((event) => available.has(event))];

  const created = parseLime(
    subscriptionSchema,
    await http.postJson(
      'subscription/',
      { name: SUBSCRIPTION_NAME, events, target_url: targetUrl, secret: request.secret, enabled: true },
      signal,
    ),
    'POST subscription',
  );
  const ours = parseLime(
    subscriptionListSchema,
    await http.getJson('subscription/', { target_url: targetUrl }, signal),
    'GET subscription',
  ).filter((subscription) => subscription.target_url === targetUrl);
  const kept = newest([created, ...ours.filter((subscription) => String(subscription.id) !== String(created.id))]);
  for (const other of ours) {
    if (String(other.id) === String(kept.id)) continue;
    try {
      await http.send('DELETE', `subscription/${encodeURIComponent(String(other.id))}/`, { signal });
    } catch (error) {
      // Another replica deleted it first.
      if (!(error instanceof CrmError && error.code === 'not_found')) throw error;
    }
  }
  return { kind: 'subscribed', id: String(kept.id), events };
}

/** The subscription with the highest numeric id (the newest); the first when ids are not numbers. */
function newest<T extends { id: number | string }>(subscriptions: readonly [T, ...T[]]): T {
  const numeric = subscriptions.every((subscription) => Number.isFinite(Number(subscription.id)));
  if (!numeric) return subscriptions[0];
  return subscriptions.reduce((best, each) => (Number(each.id) > Number(best.id) ? each : best), subscriptions[0]);
}

function eventNames(available: z.infer<typeof availableSchema>): string[] {
  if (!Array.isArray(available)) return available.events;
  return available.map((item) => (typeof item === 'string' ? item : 'event' in item ? item.event : item.name));
}

/** A Lime without the webhooks package (404), or an API user outside "Webhook Users" (403): not a failure to retry. */
function unavailableBecause(error: unknown): ContactChangeSubscription | undefined {
  if (!(error instanceof CrmError)) return undefined;
  if (error.code === 'not_found') {
    return {
      kind: 'unavailable',
      reason: 'this Lime has no webhooks package (GET subscription/available/ answered 404)',
    };
  }
  if (error.code === 'forbidden') {
    return {
      kind: 'unavailable',
      reason:
        'the API user may not manage webhooks (403): make it an administrator or add it to the group Webhook Users',
    };
  }
  return undefined;
}
