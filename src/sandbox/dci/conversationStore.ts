import { randomUUID } from 'node:crypto';
import type { DciConversationInput, DciStoredConversation, DciUser } from './types';

const DAY_MS = 24 * 60 * 60 * 1000;
/** "Conversation list endpoints return up to the last 30 days" (dci-api.md §1.4). */
export const WINDOW_MS = 30 * DAY_MS;

/**
 * The account's users and conversations. Conversations are kept newest first by `date`, ties by id (descending), the
 * order the list endpoint pages through. Everything handed out is a copy.
 */
export class ConversationStore {
  private readonly users = new Map<string, DciUser>();
  private readonly conversations = new Map<string, DciStoredConversation>();

  constructor(private readonly now: () => Date) {}

  addUser(input: { id?: string; name: string; email: string }): DciUser {
    const user = { id: input.id ?? randomUUID(), name: input.name, email: input.email };
    this.users.set(user.id, user);
    return { ...user };
  }

  allUsers(): DciUser[] {
    return [...this.users.values()].map((user) => ({ ...user }));
  }

  add(input: DciConversationInput): DciStoredConversation {
    const id = input.id ?? randomUUID();
    if (this.conversations.has(id)) throw new Error(`addConversation: ${id} exists already`);
    const date = isoTime(input.date, 'date');
    const duration = input.duration ?? null;
    const stored: DciStoredConversation = {
      id,
      title: input.title,
      company: input.company ?? null,
      date,
      duration,
      medium: input.medium === undefined ? 'call' : input.medium,
      sentiment: input.sentiment ?? null,
      conversation_type: input.conversation_type ?? null,
      summary: input.summary ?? null,
      department: input.department === undefined || input.department === null ? null : { ...input.department },
      user: this.userOf(input.user),
      participants: input.participants.map((participant) => ({
        name: participant.name,
        email: participant.email ?? null,
        role: participant.role ?? 'customer',
        ...(participant.phone === undefined ? {} : { phone: participant.phone }),
      })),
      ended_at: endedAt(input, date, duration),
      notes: input.notes ?? null,
      updated_at: this.now().toISOString(),
      recording: input.recording ?? false,
      transcript: input.transcript === undefined ? null : input.transcript.map((segment) => ({ ...segment })),
    };
    this.conversations.set(id, stored);
    return structuredClone(stored);
  }

  find(id: string): DciStoredConversation | undefined {
    const stored = this.conversations.get(id);
    return stored === undefined ? undefined : structuredClone(stored);
  }

  /** The conversation when its date is inside the 30-day window of `now`, else undefined. */
  findInWindow(id: string): DciStoredConversation | undefined {
    const stored = this.find(id);
    return stored !== undefined && inWindow(stored, this.now()) ? stored : undefined;
  }

  /** Sets the summary and bumps `updated_at`. Throws for an unknown id (a test mistake). */
  setSummary(id: string, summary: string): DciStoredConversation {
    const stored = this.conversations.get(id);
    if (stored === undefined) throw new Error(`no conversation ${id}`);
    stored.summary = summary;
    stored.updated_at = this.now().toISOString();
    return structuredClone(stored);
  }

  /** The conversations inside the window, newest first. */
  listInWindow(): DciStoredConversation[] {
    const now = this.now();
    return [...this.conversations.values()]
      .filter((conversation) => inWindow(conversation, now))
      .sort(newestFirst)
      .map((conversation) => structuredClone(conversation));
  }

  private userOf(user: DciConversationInput['user']): DciUser | null {
    if (user === undefined || user === null) return null;
    if (typeof user !== 'string') return { ...user };
    const known = this.users.get(user);
    if (known === undefined) throw new Error(`addConversation: no user ${user}; add it with addUser first`);
    return { ...known };
  }
}

/** Newest first by date, then by id descending: a total order, so a cursor position is unambiguous. */
export function newestFirst(a: { date: string; id: string }, b: { date: string; id: string }): number {
  const byDate = Date.parse(b.date) - Date.parse(a.date);
  if (byDate !== 0) return byDate;
  if (a.id === b.id) return 0;
  return a.id < b.id ? 1 : -1;
}

/** Started within the last 30 days and not in the future. */
function inWindow(conversation: { date: string }, now: Date): boolean {
  const started = Date.parse(conversation.date);
  return started >= now.getTime() - WINDOW_MS && started <= now.getTime();
}

function isoTime(value: string, field: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new Error(`addConversation: ${field} "${value}" is not a time`);
  return new Date(time).toISOString();
}

function endedAt(input: DciConversationInput, date: string, duration: number | null): string | null {
  if (input.ended_at !== undefined && input.ended_at !== null) return isoTime(input.ended_at, 'ended_at');
  if (input.ended_at === null || duration === null) return null;
  return new Date(Date.parse(date) + duration * 1000).toISOString();
}
