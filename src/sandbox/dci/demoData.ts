import type { DciEmulator } from './types';

/** The ids of the demo data, for tests and the CLI. */
export interface DciDemoDataIds {
  users: { erik: string; sara: string };
  conversations: { acmeDiscovery: string; fjallboCall: string; pendingDemo: string };
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * Two users and three conversations dated in the last days of the emulator's clock: a completed discovery call
 * with a recording and a transcript, a completed call whose participant is known by phone only, and a meeting not
 * yet processed (no summary).
 */
export function seedDciDemoData(emulator: DciEmulator): DciDemoDataIds {
  const hoursAgo = (hours: number): string => new Date(emulator.now().getTime() - hours * HOUR_MS).toISOString();
  const sales = { id: '11111111-0000-0000-0000-000000000001', name: 'B2B Sales' };
  const erik = emulator.addUser({
    id: '67c869eb-30b1-4eb3-bd2c-be8c912a9827',
    name: 'Erik Lindström',
    email: 'erik.lindstrom@telco-demo.test',
  });
  const sara = emulator.addUser({ name: 'Sara Säljare', email: 'sara.saljare@telco-demo.test' });
  const acmeDiscovery = emulator.addConversation({
    title: 'Discovery call — Acme',
    company: 'Acme',
    date: hoursAgo(26),
    duration: 1800,
    medium: 'call',
    sentiment: 'positive',
    conversation_type: 'sales',
    department: sales,
    user: erik.id,
    participants: [
      { name: 'Anna Andersson', email: 'anna.andersson@acme.se', role: 'customer', phone: '+46701234567' },
    ],
    summary: 'Anna wants a quote for 40 seats before the end of the month.',
    notes: 'Send the price list.',
    recording: true,
    transcript: [
      { speaker: 'Erik Lindström', start: 0, end: 4.2, text: 'Hi Anna, thanks for taking the time.' },
      { speaker: 'Anna Andersson', start: 4.2, end: 9.8, text: 'Sure. We are looking at 40 seats.' },
    ],
  }).id;
  const fjallboCall = emulator.addConversation({
    title: 'Support call — Fjällbo',
    company: 'Fjällbo Bygg',
    date: hoursAgo(5),
    duration: 420,
    medium: 'call',
    sentiment: 'neutral',
    conversation_type: 'support',
    department: sales,
    user: sara.id,
    participants: [{ name: 'Lars Berg', role: 'customer', phone: '+46 70 987 65 43' }],
    summary: 'Lars could not log in; password reset sent.',
  }).id;
  const pendingDemo = emulator.addConversation({
    title: 'Product demo — Dubbel Konsult',
    company: 'Dubbel Konsult',
    date: hoursAgo(1),
    duration: 2700,
    medium: 'meeting',
    conversation_type: 'sales',
    department: sales,
    user: erik.id,
    participants: [
      { name: 'Maja Dubbel', email: 'maja@dubbelkonsult.se', role: 'customer' },
      { name: 'Sara Säljare', email: 'sara.saljare@telco-demo.test', role: 'host' },
    ],
  }).id;
  return { users: { erik: erik.id, sara: sara.id }, conversations: { acmeDiscovery, fjallboCall, pendingDemo } };
}
