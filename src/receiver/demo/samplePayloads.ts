// Sample DCI payloads for `npm run demo` and `dci-companion send-sample`: realistic meetings against the sandbox's
// demo data (src/sandbox/lime/demoData.ts, and its SuperOffice twin src/sandbox/superoffice/demoData.ts), each
// showing one matching rule.

export interface SamplePayload {
  /** What the sample shows, for the demo report. */
  label: string;
  payload: Record<string, unknown>;
}

const SARA = { id: 'u-17', name: 'Sara Säljare', email: 'sara.saljare@seller.se' };
const PETRA = { id: 'u-4', name: 'Petra Support', email: 'petra@seller.se' };
const LINK = 'https://app.dstny.example/conversations';

function conversation(id: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    event: 'conversation.completed',
    timestamp: '2026-11-20T10:05:00.000Z',
    data: {
      conversation: {
        id,
        url: `${LINK}/${id}`,
        recording_url: `${LINK}/${id}/recording`,
        transcript_url: `${LINK}/${id}/transcript`,
        ...fields,
      },
    },
    _meta: { token_prefix: 'mt_demo0001', delivery_id: `${id}-1` },
  };
}

const OFFER_REVIEW_ID = '7b0c4e2a-5d1f-4c3b-9a8e-2f6d1c0b9a71';

/** `crmTitle` names the CRM in the labels (`Lime` unless the demo runs against SuperOffice). */
export function samplePayloads(crmTitle = 'Lime'): SamplePayload[] {
  return [
    {
      label: 'Video meeting with two customers and two colleagues',
      payload: conversation(OFFER_REVIEW_ID, {
        title: 'Offer review — Acme',
        date: '2026-11-20T09:00:00.000Z',
        end_date: '2026-11-20T09:45:00.000Z',
        medium: 'video',
        conversation_type: 'sales',
        company: 'Acme AB',
        location: 'Microsoft Teams',
        summary:
          'Anna and Lars from Acme reviewed the offer for 40 seats. Acme wants a three-year term with a price review after year one. Lars asked for single sign-on before go-live. Next step: Sara sends a revised offer by Friday.',
        notes: 'Lars is the decision maker; Anna owns the budget.',
        user: SARA,
        participants: [
          { name: 'Sara Säljare', email: 'sara.saljare@seller.se', role: 'host' },
          { name: 'Anna Andersson', email: 'anna.andersson@acme.se', company: 'Acme AB', role: 'customer' },
          { name: 'Lars Öberg', email: 'lars.oberg@acme.se', mobile_phone: '+46 76 111 22 33', role: 'customer' },
          { name: 'Johan Teknik', email: 'johan@seller.se', role: 'customer' },
        ],
      }),
    },
    {
      label: 'Phone call from a mobile number stored in another format',
      payload: conversation('c41d6a90-0f3e-4b8e-8d55-6a2f7e1b3c09', {
        title: 'Inbound call',
        date: '2026-11-19T14:20:00.000Z',
        duration: 540,
        medium: 'call',
        conversation_type: 'support',
        summary: 'Anna asked about a double-billed licence. Agreed to credit one licence and send a corrected invoice.',
        user: PETRA,
        participants: [{ name: 'Caller', phone: '+46701234567', role: 'customer' }],
      }),
    },
    {
      label: "Call from Acme's switchboard number",
      payload: conversation('5a7c2e10-9b8d-4f6a-a1c3-2d4e6f8a0b1c', {
        title: 'Inbound call via switchboard',
        date: '2026-11-19T15:00:00.000Z',
        duration: 300,
        medium: 'call',
        summary: 'Someone at Acme asked for the new price list; they will call back with a contact person.',
        user: PETRA,
        participants: [{ name: 'Acme reception', phone: '08-555 000 00', role: 'customer' }],
      }),
    },
    {
      label: 'On-site workshop: one known customer, one visitor without contact data',
      payload: conversation('e3b7f0d2-8c14-4a6e-b2f9-5d0c7a1e4b86', {
        title: 'Workshop — Fjällbo Logistik',
        date: '2026-11-18T13:00:00+01:00',
        duration: 3600,
        medium: 'meeting',
        company: 'Fjällbo Logistik AB',
        location: 'Fjällbo Logistik, Göteborg',
        summary:
          'Route-planning workshop. The warehouse team described the current manual process; Erik wants a pilot in Q1.',
        user: { id: 'u-9', name: 'Sara Säljare', email: 'sara.saljare@seller.se' },
        participants: [
          { name: 'Erik Ek', email: 'erik.ek@fjallbo.se', role: 'customer' },
          { name: 'Besökare från lagret', role: 'customer' },
        ],
      }),
    },
    {
      label: 'A shared e-mail address held by two persons at different companies',
      payload: conversation('9d2e5f18-3b7a-4c60-a1d4-8e9f0b2c3d4e', {
        title: 'Intro call — Dubbel Bygg',
        date: '2026-11-17T09:00:00.000Z',
        duration: 1200,
        medium: 'video',
        summary: 'Intro call about the construction-site app. Dubbel Bygg wants a quote for 12 users.',
        user: SARA,
        participants: [{ name: 'Dubbel Bygg', email: 'info@dubbel.se', company: 'Dubbel Bygg AB', role: 'customer' }],
      }),
    },
    {
      label: `A new customer who is not in ${crmTitle} yet ("Create contact in CRM" is off)`,
      payload: conversation('1f2e3d4c-5b6a-4789-8a9b-0c1d2e3f4a5b', {
        title: 'First meeting — Nykund',
        date: '2026-11-16T08:00:00.000Z',
        duration: 1800,
        medium: 'video',
        company: 'Nykund AB',
        summary: 'Nils described their needs; we agreed to send material and book a demo.',
        user: SARA,
        participants: [{ name: 'Nils Ny', email: 'nils@nykund.se', company: 'Nykund AB', role: 'customer' }],
      }),
    },
  ];
}

/** DCI re-sends the first meeting with a regenerated summary: the notes already written are updated in place. */
export function regeneratedSample(): SamplePayload {
  const [first] = samplePayloads();
  if (!first) throw new Error('no sample payloads');
  const payload = structuredClone(first.payload) as {
    data: { conversation: Record<string, unknown> };
    _meta: Record<string, unknown>;
    timestamp: string;
  };
  payload.data.conversation['summary'] =
    `${String(payload.data.conversation['summary'])} (Regenerated: Acme also asked for a training day.)`;
  payload._meta['delivery_id'] = `${OFFER_REVIEW_ID}-2`;
  payload.timestamp = '2026-11-20T11:00:00.000Z';
  return { label: 'The first meeting re-sent with a regenerated summary', payload };
}
