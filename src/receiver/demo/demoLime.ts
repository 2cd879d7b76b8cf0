// The demo's Lime: the Lime emulator with its demo data, signed in with an API key (LIME_URL, LIME_API_KEY).
import { seedDemoData, startLimeEmulator } from '../../sandbox/lime';
import type { DemoCrm } from './demoCrm';

const API_KEY = 'demo-api-key';

export async function startDemoLime(): Promise<DemoCrm> {
  const lime = await startLimeEmulator({ apiKeys: { [API_KEY]: 'all' }, app: 'Lime CRM' });
  seedDemoData(lime);
  const notes = () => lime.all('history').filter((note) => String(note['note']).includes('dci-conversation:'));
  return {
    name: 'lime',
    title: 'Lime',
    record: 'note',
    banner: [`Lime emulator: ${lime.baseUrl}   (demo company and person data)`],
    environment: { LIME_URL: lime.baseUrl, LIME_API_KEY: API_KEY },
    recordText: (conversationId) =>
      notes()
        .map((note) => String(note['note']))
        .find((text) => text.includes(`dci-conversation:${conversationId}`)),
    countRecords: () => notes().length,
    epilogue: () => [],
    close: () => lime.close(),
  };
}
