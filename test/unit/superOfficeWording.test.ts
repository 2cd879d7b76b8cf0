import { CrmError } from '../../src/crm/crmError';
import { deliveryPage, crmIdsText } from '../../src/receiver/admin/deliveryPage';
import { describeAlert } from '../../src/receiver/alerts/alertEvents';
import { classifyFailure } from '../../src/receiver/deliver/classifyFailure';
import type { DeliveryDetail } from '../../src/receiver/store/ports/deliveryReads';
import { buildParticipant, buildPayload } from '../support/payloads';

// What an admin reads about a SuperOffice delivery: its ids ("appointment", not Lime's "history note"), the advice
// on a dead letter naming SuperOffice's settings, and the alerts. Lime's wording is unchanged by default.

describe('SuperOffice ids on the delivery pages', () => {
  it('words the ids the way crmIdsText words Lime’s', () => {
    expect(crmIdsText({ personId: 12, companyId: 3, noteId: 44 }, 'superoffice')).toBe(
      'person 12 at company 3, appointment 44',
    );
    expect(crmIdsText({ personId: 12 }, 'superoffice')).toBe('person 12; no appointment written');
    expect(crmIdsText({ personId: 1001, companyId: 1003, noteId: 55 })).toBe(
      'person 1001 at company 1003, history note 55',
    );
  });

  it('a delivery stored with SuperOffice outcomes: its page names SuperOffice and the appointment', async () => {
    const payload = buildPayload({ participants: [buildParticipant({ email: 'anna@acme.se' })] });
    const detail: DeliveryDetail = {
      id: 'd1',
      conversationId: 'c1',
      target: 'superoffice',
      title: 'Offer review',
      status: 'delivered',
      attempts: 1,
      createdAt: new Date('2026-11-20T10:00:00Z'),
      updatedAt: new Date('2026-11-20T10:00:05Z'),
      deliveredAt: new Date('2026-11-20T10:00:05Z'),
      source: 'webhook',
      eventId: 'e1',
      attemptLog: [],
      outcomes: [
        {
          participantIndex: 0,
          outcome: 'written',
          matchedBy: 'email',
          personId: 12,
          companyId: 3,
          noteId: 44,
          trace: 'email',
        },
      ],
    };
    // The store port as a plain object: the page reads one delivery and its stored body.
    const page = await deliveryPage(
      {
        getDelivery: (id) => Promise.resolve(id === 'd1' ? detail : undefined),
        getEventBody: () => Promise.resolve(Buffer.from(JSON.stringify(payload))),
      },
      'd1',
      false,
    );
    expect(page?.crmName).toBe('SuperOffice');
    expect(page?.participants[0]?.crmIds).toBe('person 12 at company 3, appointment 44');
    expect(page?.participants[0]?.badge.help).not.toContain('Lime');
  });
});

describe('dead-letter advice for SuperOffice', () => {
  const so = (auth?: 'basic' | 'ticket' | 'system_user') => ({ crm: 'superoffice' as const, auth });

  it('a system user refused: the token may have been revoked, ask the admin to approve the app again', () => {
    const decision = classifyFailure(
      new CrmError('unauthorized', 'SuperOffice refused the ticket', { status: 401 }),
      so('system_user'),
    );
    expect(decision).toMatchObject({ retry: false, code: 'unauthorized', status: 401 });
    expect('message' in decision && decision.message).toContain(
      'The system user token may have been revoked or the consent withdrawn: ask the SuperOffice admin to approve the app again',
    );
    expect('message' in decision && decision.message).not.toContain('Lime');
  });

  it('421 wrong host: use the numbered host in SUPEROFFICE_URL or on the admin page', () => {
    const decision = classifyFailure(
      new CrmError('wrong_host', 'Wrong subdomain used to access tenant', { status: 421 }),
      so('system_user'),
    );
    expect(decision).toMatchObject({ retry: false, code: 'wrong_host' });
    expect('message' in decision && decision.message).toContain(
      "Use the tenant's numbered host (e.g. https://online3.superoffice.com/Cust12345) in SUPEROFFICE_URL",
    );
  });

  it('404 for a system user names the login service address too (a wrong SUPEROFFICE_LOGIN_URL answers 404)', () => {
    const message = (auth: 'system_user' | 'ticket') => {
      const decision = classifyFailure(new CrmError('not_found', 'not found', { status: 404 }), so(auth));
      return 'message' in decision ? decision.message : '';
    };
    expect(message('system_user')).toContain('SUPEROFFICE_LOGIN_URL');
    expect(message('system_user')).toContain('SUPEROFFICE_URL');
    expect(message('ticket')).not.toContain('SUPEROFFICE_LOGIN_URL');
  });

  it('429, 5xx and timeouts are retried as for Lime, with SuperOffice advice when they last', () => {
    for (const code of ['rate_limited', 'server_error', 'timeout'] as const) {
      const decision = classifyFailure(new CrmError(code, 'temporary'), so('ticket'));
      expect(decision).toMatchObject({ retry: true, code });
      expect('giveUpAdvice' in decision && decision.giveUpAdvice).toMatch(/SuperOffice/u);
      expect('giveUpAdvice' in decision && decision.giveUpAdvice).not.toMatch(/Lime/u);
    }
  });

  it('an expired ticket and refused basic auth name their settings', () => {
    const ticket = classifyFailure(new CrmError('unauthorized', 'refused'), so('ticket'));
    expect('message' in ticket && ticket.message).toContain('SUPEROFFICE_TICKET');
    const basic = classifyFailure(new CrmError('unauthorized', 'refused'), so('basic'));
    expect('message' in basic && basic.message).toContain('SUPEROFFICE_PASSWORD');
  });

  it("Lime's advice is unchanged without a context", () => {
    const decision = classifyFailure(new CrmError('unauthorized', 'refused'));
    expect('message' in decision && decision.message).toContain('LIME_API_KEY');
  });
});

describe('alerts name the CRM in effect', () => {
  it('SuperOffice connection lost, unavailable, available again', () => {
    expect(describeAlert({ kind: 'connection_lost', code: 'wrong_host' }, 'superoffice')).toMatchObject({
      title: 'SuperOffice connection lost',
      text: expect.stringContaining('numbered host') as unknown,
    });
    const outage = describeAlert(
      { kind: 'outage', since: new Date('2026-11-20T10:00:00Z'), code: 'timeout' },
      'superoffice',
    );
    expect(outage.title).toBe('SuperOffice unavailable');
    expect(outage.text).not.toContain('Lime');
    expect(describeAlert({ kind: 'outage', since: new Date(0), code: 'timeout' }).title).toBe('Lime unavailable');
  });
});
