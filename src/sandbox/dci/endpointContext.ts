import type { ConversationStore } from './conversationStore';
import type { DailyConversationQuota } from './rateLimits';
import type { DciShapes, TokenSettings } from './types';

/** Every shape option, defaults filled in. */
export type ResolvedShapes = Required<DciShapes>;

export const DEFAULT_SHAPES: ResolvedShapes = {
  list: 'conversations',
  detail: 'bare',
  cursorField: 'next_cursor',
  recordingField: 'url',
  phoneField: 'phone',
  listItems: 'full',
};

/** What an endpoint sees of the emulator and of the authenticated request. */
export interface EndpointContext {
  store: ConversationStore;
  shapes: ResolvedShapes;
  account: { id: string; name: string; created_at: string };
  now: () => Date;
  quota: DailyConversationQuota;
  /** Signs recording URLs (a per-emulator random key). */
  recordingKey: string;
  token: string;
  settings: TokenSettings;
}

/** `_meta` of DCI's answers (dci-api.md §2.3). */
export function meta(context: EndpointContext): { token_prefix: string; timestamp: string } {
  return { token_prefix: context.token.slice(0, 11), timestamp: context.now().toISOString() };
}
