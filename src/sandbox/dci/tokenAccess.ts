import type { DciScope, TokenSettings } from './types';

export const ALL_DCI_SCOPES: readonly DciScope[] = [
  'conversations',
  'transcripts',
  'insights',
  'recordings',
  'users',
  'teams',
  'departments',
];

/** The token an emulator started without `tokens` accepts: every scope, recordings included. */
export const DEFAULT_DCI_TOKEN = 'mt_demo0000emulatortoken';

export function allAccess(): TokenSettings {
  return { scopes: [...ALL_DCI_SCOPES], includeRecordings: true };
}

/** `_meta.token_prefix`: `mt_` and the next 8 characters (dci-api.md §1.1: "mt_ab12cd34"). */
export function tokenPrefix(token: string): string {
  return token.slice(0, 11);
}

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer +(\S+) *$/iu.exec(value ?? '');
  return match?.[1];
}
