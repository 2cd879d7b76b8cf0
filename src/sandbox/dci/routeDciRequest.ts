import { decodeSegments } from '../shared/decodeSegments';
import type { HttpAnswer } from '../shared/writeAnswer';
import {
  getConversation,
  getRecordingUrl,
  getSummary,
  getTranscript,
  listConversations,
} from './conversationEndpoints';
import { dciError, json } from './dciAnswers';
import type { EndpointContext } from './endpointContext';
import type { MinuteRateLimit } from './rateLimits';
import { getAccount, listDepartments, listTeams, listUsers } from './referenceEndpoints';
import type { DciScope, TokenSettings } from './types';

/** What the router needs besides the request: the emulator's state without the per-request parts. */
export type RouteContext = Omit<EndpointContext, 'token' | 'settings'> & {
  tokens: ReadonlyMap<string, TokenSettings>;
  minuteLimit: MinuteRateLimit;
};

export interface DciRequest {
  method: string;
  /** The path below `/api/v1/rest`; undefined for a path outside it. */
  path: string | undefined;
  /** The full path, for NestJS's "Cannot GET /…" message. */
  fullPath: string;
  rawQuery: string;
  token: string | undefined;
}

interface Route {
  /** The scope the endpoint needs (dci-api.md §2.1); undefined for `/account`. */
  scope: DciScope | undefined;
  answer(context: EndpointContext, query: URLSearchParams): HttpAnswer;
}

/** The partner endpoints of dci-api.md §2.1 (GET only), by path segments; undefined for any other path. */
function findRoute(segments: readonly string[]): Route | undefined {
  const [first, id, sub, ...extra] = segments;
  if (id === undefined) {
    switch (first) {
      case 'account':
        return { scope: undefined, answer: getAccount };
      case 'users':
        return { scope: 'users', answer: listUsers };
      case 'teams':
        return { scope: 'teams', answer: listTeams };
      case 'departments':
        return { scope: 'departments', answer: listDepartments };
      case 'conversations':
        return { scope: 'conversations', answer: listConversations };
      default:
        return undefined;
    }
  }
  if (first !== 'conversations' || extra.length > 0) return undefined;
  switch (sub) {
    case undefined:
      return { scope: 'conversations', answer: (context) => getConversation(context, id) };
    case 'summary':
      return { scope: 'conversations', answer: (context) => getSummary(context, id) };
    case 'transcript':
      return { scope: 'transcripts', answer: (context) => getTranscript(context, id) };
    case 'recording-url':
      return { scope: 'recordings', answer: (context) => getRecordingUrl(context, id) };
    default:
      return undefined;
  }
}

/** Route (404/405), then the token (401), the per-minute limit (429), the scope (403), then the endpoint. */
export function routeDciRequest(context: RouteContext, request: DciRequest): HttpAnswer {
  // A trailing slash is ignored, as Express does.
  const segments = request.path === undefined ? undefined : decodeSegments(request.path);
  const route = segments === undefined ? undefined : findRoute(segments);
  if (route === undefined) return dciError(404, `Cannot ${request.method} ${request.fullPath}`);
  if (request.method !== 'GET') {
    return { ...dciError(405, `Method ${request.method} is not allowed here.`), headers: { allow: 'GET' } };
  }
  if (request.token === undefined) return dciError(401, 'Missing API token: send Authorization: Bearer mt_...');
  const settings = context.tokens.get(request.token);
  if (settings === undefined) return dciError(401, 'Invalid or revoked API token.');
  const limit = context.minuteLimit.take(request.token, settings.ratePerMinute ?? 60, context.now());
  if (!limit.allowed) {
    // Exactly the documented body (dci-api.md §1.3); no Retry-After header is documented, so none is sent.
    return json(429, {
      statusCode: 429,
      message: 'Rate limit exceeded. Please try again later.',
      retryAfter: limit.retryAfterSec,
    });
  }
  const refusal = missingAccess(route.scope, settings);
  if (refusal !== undefined) return dciError(403, refusal);
  const endpointContext: EndpointContext = { ...context, token: request.token, settings };
  return route.answer(endpointContext, new URLSearchParams(request.rawQuery));
}

function missingAccess(scope: DciScope | undefined, settings: TokenSettings): string | undefined {
  const hasScope = scope === undefined || settings.scopes.includes(scope);
  if (scope !== 'recordings') return hasScope ? undefined : `The token lacks the ${scope} scope.`;
  const included = settings.includeRecordings === true;
  if (!hasScope && !included) return 'The token lacks the recordings scope and the include_recordings setting.';
  if (!hasScope) return 'The token lacks the recordings scope.';
  return included ? undefined : 'The token lacks the include_recordings setting (include_recordings=true).';
}
