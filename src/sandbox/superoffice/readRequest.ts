import type { IncomingMessage } from 'node:http';
import { pathBelowFirstSegment } from '../shared/pathBelowFirstSegment';
import { readHttpRequest, type HttpRequest } from '../shared/readHttpRequest';

/** What the emulator needs from an incoming request, read once: the whole body is in before anything is decided. */
export interface IncomingRequest extends HttpRequest {
  /** The token of an `Authorization: Bearer <t>` or `SOTicket <t>` header (scheme case-insensitive). */
  token: string | undefined;
  /** The scheme of the Authorization header, lower-case, when it is one the WebAPI knows. */
  authScheme: 'bearer' | 'soticket' | 'basic' | undefined;
  /** The user name and password of `Authorization: Basic <base64>`. */
  basic: { username: string; password: string } | undefined;
  /** The `SO-AppToken` header. */
  appToken: string | undefined;
  /** Whether `SO-Timezone` asks for offsets on date-times (`UTC,includeTZOffset`). */
  includeTimezoneOffset: boolean;
  /** The time zone `SO-Timezone` names (`UTC` in `UTC,includeTZOffset`), if any. */
  timezoneName: string | undefined;
}

const AUTHORIZATION = /^(bearer|soticket|basic)\s+(\S+)\s*$/iu;

export async function readRequest(request: IncomingMessage): Promise<IncomingRequest> {
  const authorization = AUTHORIZATION.exec(request.headers.authorization ?? '');
  const timezone = request.headers['so-timezone'];
  const timezoneParts = (Array.isArray(timezone) ? timezone.join(',') : (timezone ?? '')).split(',');
  const scheme = authorization?.[1]?.toLowerCase() as IncomingRequest['authScheme'];
  const appToken = request.headers['so-apptoken'];
  return {
    ...(await readHttpRequest(request)),
    token: scheme === 'basic' ? undefined : authorization?.[2],
    authScheme: scheme,
    basic: scheme === 'basic' ? decodeBasic(authorization?.[2] ?? '') : undefined,
    appToken: Array.isArray(appToken) ? appToken[0] : appToken,
    includeTimezoneOffset: timezoneParts.some((part) => part.trim().toLowerCase() === 'includetzoffset'),
    timezoneName: timezoneParts
      .map((part) => part.trim())
      .find((part) => part !== '' && part.toLowerCase() !== 'includetzoffset'),
  };
}

/** The path below `/<customerId>` (`/api/v1/…`), or undefined when the request is not for this tenant. */
export function pathBelowTenant(customerId: string, path: string): string | undefined {
  return pathBelowFirstSegment(path, (segment) => segment.toLowerCase() === customerId.toLowerCase());
}

function decodeBasic(encoded: string): { username: string; password: string } | undefined {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
