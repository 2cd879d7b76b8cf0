import { alertAdminUrl } from '../../src/receiver/alerts/alertAdminUrl';
import { ConfigError, loadConfig } from '../../src/receiver/config/loadConfig';

// The alerts' link to the admin overview goes where admins reach the admin pages (ADMIN_PUBLIC_URL), never to the
// public host when the admin pages listen apart (ADMIN_PORT): there /admin is a 404.

const BASE = { DATA_DIR: '/tmp/never-opened', DCI_WEBHOOK_SECRETS: 'alert-link-secret' };
const link = (env: Record<string, string>) => alertAdminUrl(loadConfig({ ...BASE, ...env }));

describe("the alerts' admin link", () => {
  it.each([
    [{}, undefined],
    [{ RECEIVER_PUBLIC_URL: 'https://companion.example.com/' }, 'https://companion.example.com/admin'],
    [{ RECEIVER_PUBLIC_URL: 'https://companion.example.com', ADMIN_PORT: '8081' }, undefined],
    [
      {
        RECEIVER_PUBLIC_URL: 'https://companion.example.com',
        ADMIN_PORT: '8081',
        ADMIN_PUBLIC_URL: 'http://companion.internal:8081/',
      },
      'http://companion.internal:8081/admin',
    ],
    [{ ADMIN_PUBLIC_URL: 'https://intranet.example.com/companion' }, 'https://intranet.example.com/companion/admin'],
  ] as const)('%j: %s', (env, expected) => {
    expect(link(env)).toBe(expected);
  });

  it('ADMIN_PUBLIC_URL is checked like RECEIVER_PUBLIC_URL', () => {
    expect(() => link({ ADMIN_PUBLIC_URL: 'companion.internal:8081' })).toThrow(ConfigError);
    expect(() => link({ ADMIN_PUBLIC_URL: 'companion.internal:8081' })).toThrow(
      /ADMIN_PUBLIC_URL must be the http\(s\) address/u,
    );
  });
});
