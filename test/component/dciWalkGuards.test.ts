import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DciApi, DciConversation, DciConversationPage } from '../../src/dci-api';
import { walkConversations } from '../../src/receiver/poll/walkConversations';
import { openSqliteStore, type SqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';

// DCI's cursor parameter and the field that carries the next cursor are not documented (shared/specs/dci-api.md
// §1.4), and the emulator answers only the way we assume. These cases stand in for a DCI that answers otherwise — a
// server that ignores our cursor, or echoes it back — which the emulator cannot be: the list would be walked for ever.

const NOW = new Date('2026-11-20T10:00:00.000Z');

function conversation(index: number): DciConversation {
  return {
    id: `c-${index}`,
    title: `Meeting ${index}`,
    date: new Date(NOW.getTime() - index * 60_000).toISOString(),
    summary: 'A summary.',
    participants: [{ name: 'Anna Andersson', email: 'anna@acme.se' }],
  };
}

/** A DCI that answers every list request with `pageFor(cursor)`; nothing else is asked for in these walks. */
function listingDci(pageFor: (cursor: string | undefined) => DciConversationPage): DciApi & { listed: number } {
  const api = {
    listed: 0,
    account: () => Promise.reject(new Error('not asked')),
    listConversations: ({ cursor }: { cursor?: string | undefined }) => {
      api.listed += 1;
      return Promise.resolve(pageFor(cursor));
    },
    getConversation: () => Promise.reject(new Error('not asked')),
    getSummary: () => Promise.reject(new Error('not asked')),
    getRecordingUrl: () => Promise.reject(new Error('not asked')),
    listUsers: () => Promise.reject(new Error('not asked')),
  };
  return api;
}

describe('a conversation list that does not move on is refused, not walked for ever', () => {
  let dataDir: string;
  let store: SqliteStore;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dci-walk-'));
    store = await openSqliteStore({ file: join(dataDir, 'receiver.sqlite') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const walk = (api: DciApi) =>
    walkConversations(
      { api, store, target: 'lime', source: 'poll', now: () => NOW },
      new Date(NOW.getTime() - 24 * 3600_000),
    );

  it('DCI ignores our cursor and sends the first page again: the walk stops with dci_bad_response after two pages', async () => {
    const api = listingDci(() => ({ conversations: [conversation(1), conversation(2)], nextCursor: 'page-2' }));

    await expect(walk(api)).rejects.toMatchObject({ code: 'dci_bad_response' });
    expect(api.listed).toBe(2);
    // What the first page held is stored once, for delivery.
    expect((await store.listDeliveries({ limit: 10 })).map((row) => row.conversationId).sort()).toEqual(['c-1', 'c-2']);
  });

  it('DCI echoes the cursor it was sent: the walk stops when a cursor comes round again', async () => {
    let page = 0;
    const api = listingDci((cursor) => {
      page += 1;
      return { conversations: [conversation(page)], nextCursor: cursor ?? 'first' };
    });

    await expect(walk(api)).rejects.toMatchObject({ code: 'dci_bad_response' });
    expect(api.listed).toBe(2);
  });

  it('a list that moves on is walked to its end', async () => {
    const api = listingDci((cursor) => {
      const page = cursor === undefined ? 0 : Number(cursor);
      return {
        conversations: [conversation(page * 2 + 1), conversation(page * 2 + 2)],
        nextCursor: page < 2 ? String(page + 1) : undefined,
      };
    });

    expect(await walk(api)).toMatchObject({ pages: 3, listed: 6, queued: 6 });
  });
});
