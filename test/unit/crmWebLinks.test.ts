import { crmWebLinks } from '../../src/receiver/admin/crmWebLinks';

import { ConfigError, loadConfig } from '../../src/receiver/config/loadConfig';

const LIME = 'https://acme.lime-crm.com/acme/client';
const SO = 'https://online.superoffice.com/Cust12345';

describe('links to the CRM web client', () => {
  it("Lime: person, company and history note open as the web client's objects", () => {
    expect(crmWebLinks({ personId: 1001, companyId: 1003, noteId: 55 }, 'lime', { lime: LIME })).toEqual([
      { label: 'person 1001', href: `${LIME}/object/person/1001` },
      { label: 'company 1003', href: `${LIME}/object/company/1003` },
      { label: 'history note 55', href: `${LIME}/object/history/55` },
    ]);
  });

  it('SuperOffice: SoProtocol links to the person, the company (contact) and the appointment', () => {
    expect(crmWebLinks({ personId: 12, companyId: 3, noteId: 44 }, 'superoffice', { superoffice: SO })).toEqual([
      { label: 'person 12', href: `${SO}/default.aspx?person.main?person_id=12` },
      { label: 'company 3', href: `${SO}/default.aspx?contact.main?contact_id=3` },
      { label: 'appointment 44', href: `${SO}/default.aspx?appointment.main?appointment_id=44` },
    ]);
  });

  it('without the web address of the delivery’s CRM there are no links, only the ids in words', () => {
    expect(crmWebLinks({ personId: 1001 }, 'lime', {})).toEqual([]);
    expect(crmWebLinks({ personId: 1001 }, 'lime', { superoffice: SO })).toEqual([]);
    expect(crmWebLinks({ personId: 12 }, 'superoffice', { lime: LIME })).toEqual([]);
    expect(crmWebLinks({}, 'lime', { lime: LIME })).toEqual([]);
  });

  it('an id that is not plainly an id is never made into a link', () => {
    for (const hostile of ['1/../../admin', 'javascript:alert(1)', '1?x=1', '"><script>', '1 2', '', 'a'.repeat(65)]) {
      expect(crmWebLinks({ personId: hostile }, 'lime', { lime: LIME })).toEqual([]);
    }
    expect(crmWebLinks({ personId: 'abc-12_x' }, 'lime', { lime: LIME })).toEqual([
      { label: 'person abc-12_x', href: `${LIME}/object/person/abc-12_x` },
    ]);
  });
});

describe('LIME_WEB_URL and SUPEROFFICE_WEB_URL', () => {
  const base = { DCI_WEBHOOK_SECRETS: 'secret' };

  it('an http(s) address is taken without its trailing slash; unset, there is none', () => {
    expect(loadConfig({ ...base, LIME_WEB_URL: ` ${LIME}/ ` }).crmWebUrls.lime).toBe(LIME);
    expect(loadConfig({ ...base, LIME_WEB_URL: 'http://lime.local:8080/app' }).crmWebUrls.lime).toBe(
      'http://lime.local:8080/app',
    );
    expect(loadConfig(base).crmWebUrls).toEqual({ lime: undefined, superoffice: undefined });
    expect(loadConfig({ ...base, CRM: 'superoffice', SUPEROFFICE_WEB_URL: SO }).crmWebUrls.superoffice).toBe(SO);
  });

  it.each([
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'ftp://lime.example.com/client',
    'https://user:pass@lime.example.com/client',
    'https://lime.example.com/client?x=1',
    'https://lime.example.com/client#top',
    'lime.example.com/client',
    'https://lime.example.com/"onmouseover="x',
  ])('%s stops the start with an error naming LIME_WEB_URL', (value) => {
    expect(() => loadConfig({ ...base, LIME_WEB_URL: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, LIME_WEB_URL: value })).toThrow(/LIME_WEB_URL must be the http\(s\) address/u);
  });
});
