import type { RequestBody } from '../shared/readHttpRequest';
import {
  apiError,
  badRequest,
  methodNotAllowed,
  noContent,
  notFound,
  plainJson,
  type ApiResponse,
} from './apiResponses';
import type { LimeKeyPermissions, LimeModel, LimeSubscription } from './types';

/** The events Lime's webhooks package offers per limetype (lime-rest-api.md §7: new, update, delete, restore). */
const ACTIONS = ['new', 'update', 'delete', 'restore'] as const;

export interface SubscriptionRequest {
  method: string;
  /** Path segments below `/api/v1/subscription/`. */
  rest: string[];
  rawQuery: string;
  body: RequestBody;
  permissions: LimeKeyPermissions;
}

/**
 * The subscription API of Lime's webhooks package (lime-rest-api.md §7.1): the registered subscriptions, kept in
 * memory, and the routes that list, create, show, update and delete them.
 */
export class WebhookSubscriptions {
  private readonly byId = new Map<number, LimeSubscription>();
  private nextId = 1;

  constructor(private readonly model: () => LimeModel) {}

  /** Every subscription, secrets included (the emulator's view, not the API's). */
  all(): LimeSubscription[] {
    return [...this.byId.values()].map((subscription) => ({ ...subscription, events: [...subscription.events] }));
  }

  /** The enabled subscriptions to `event`. */
  subscribedTo(event: string): LimeSubscription[] {
    return this.all().filter((subscription) => subscription.enabled && subscription.events.includes(event));
  }

  availableEvents(): string[] {
    return Object.keys(this.model().limetypes).flatMap((limetype) => ACTIONS.map((action) => `${limetype}.${action}`));
  }

  route(request: SubscriptionRequest): ApiResponse {
    if (request.permissions !== 'all') {
      return apiError(
        403,
        'Forbidden',
        'The API user must be an administrator or a member of the group Webhook Users to manage subscriptions.',
      );
    }
    const [first, ...extra] = request.rest;
    if (extra.length > 0) return notFound('The requested URL was not found on the server.');
    if (first === 'available') {
      return request.method === 'GET' ? plainJson(200, this.availableEvents()) : methodNotAllowed(['GET']);
    }
    if (first === undefined) {
      if (request.method === 'GET') return plainJson(200, this.list(request.rawQuery).map(shown));
      if (request.method === 'POST') return this.create(request.body);
      return methodNotAllowed(['GET', 'POST']);
    }
    const subscription = /^\d{1,9}$/u.test(first) ? this.byId.get(Number(first)) : undefined;
    if (subscription === undefined) return notFound(`The subscription ${first} does not exist.`);
    switch (request.method) {
      case 'GET':
        return plainJson(200, shown(subscription));
      case 'PUT':
        return this.update(subscription, request.body);
      case 'DELETE':
        this.byId.delete(subscription.id);
        return noContent();
      default:
        return methodNotAllowed(['GET', 'PUT', 'DELETE']);
    }
  }

  /** `events` (comma-separated: any of them), `target_url` (exact) and `enabled` filter the list. */
  private list(rawQuery: string): LimeSubscription[] {
    const query = new URLSearchParams(rawQuery);
    const events = (query.get('events') ?? '').split(',').filter((event) => event !== '');
    const targetUrl = query.get('target_url');
    const enabled = query.get('enabled');
    return this.all().filter(
      (subscription) =>
        (events.length === 0 || events.some((event) => subscription.events.includes(event))) &&
        (targetUrl === null || subscription.target_url === targetUrl) &&
        (enabled === null || String(subscription.enabled) === enabled.toLowerCase()),
    );
  }

  private create(body: RequestBody): ApiResponse {
    const fields = this.readFields(body, true);
    if ('response' in fields) return fields.response;
    const subscription: LimeSubscription = {
      id: this.nextId,
      name: fields.name ?? '',
      events: fields.events ?? [],
      target_url: fields.target_url ?? '',
      enabled: fields.enabled ?? true,
      ...(fields.secret === undefined ? {} : { secret: fields.secret }),
    };
    this.nextId += 1;
    this.byId.set(subscription.id, subscription);
    return plainJson(201, shown(subscription));
  }

  private update(current: LimeSubscription, body: RequestBody): ApiResponse {
    if (body.kind === 'json' && typeof body.value === 'object' && body.value !== null && 'secret' in body.value) {
      return badRequest('The subscription is not valid.', {
        secret: 'A secret cannot be changed; create a new subscription.',
      });
    }
    const fields = this.readFields(body, false);
    if ('response' in fields) return fields.response;
    const updated: LimeSubscription = { ...current };
    if (fields.name !== undefined) updated.name = fields.name;
    if (fields.events !== undefined) updated.events = fields.events;
    if (fields.target_url !== undefined) updated.target_url = fields.target_url;
    if (fields.enabled !== undefined) updated.enabled = fields.enabled;
    this.byId.set(updated.id, updated);
    return plainJson(200, shown(updated));
  }

  private readFields(
    body: RequestBody,
    creating: boolean,
  ): Partial<Omit<LimeSubscription, 'id'>> | { response: ApiResponse } {
    if (body.kind !== 'json' || typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
      return { response: badRequest('The request body must be a JSON object.') };
    }
    const value = body.value as Record<string, unknown>;
    const problems: Record<string, string> = {};
    const fields: Partial<Omit<LimeSubscription, 'id'>> = {};
    const available = new Set(this.availableEvents());
    if (value['events'] !== undefined || creating) {
      const events = value['events'];
      if (!Array.isArray(events) || events.length === 0 || !events.every((event) => typeof event === 'string')) {
        problems['events'] = 'A non-empty list of event names is required.';
      } else if (events.some((event) => !available.has(event))) {
        problems['events'] = `Unknown events: ${events.filter((event) => !available.has(event)).join(', ')}.`;
      } else fields.events = [...new Set(events)];
    }
    if (value['target_url'] !== undefined || creating) {
      const url = value['target_url'];
      if (typeof url !== 'string' || !/^https?:\/\/\S+$/u.test(url))
        problems['target_url'] = 'An http(s) URL is required.';
      else fields.target_url = url;
    }
    for (const name of ['name', 'secret'] as const) {
      const text = value[name];
      if (text === undefined) continue;
      if (typeof text !== 'string') problems[name] = 'Must be a string.';
      else fields[name] = text;
    }
    if (value['enabled'] !== undefined) {
      if (typeof value['enabled'] !== 'boolean') problems['enabled'] = 'Must be true or false.';
      else fields.enabled = value['enabled'];
    }
    return Object.keys(problems).length > 0
      ? { response: badRequest('The subscription is not valid.', problems) }
      : fields;
  }
}

/** A subscription as the API shows it: never its secret. */
function shown(subscription: LimeSubscription): Record<string, unknown> {
  const { secret: _secret, ...visible } = subscription;
  return visible;
}
