import type { ReceiverConfig } from '../config/loadConfig';

/**
 * The admin overview's address for the alerts' link: `<ADMIN_PUBLIC_URL>/admin`; without it, `<RECEIVER_PUBLIC_URL>
 * /admin` only when one listener serves everything. With the admin pages on a listener of their own (ADMIN_PORT), the
 * public address has no /admin (a 404): then no link, rather than a link to the public host.
 */
export function alertAdminUrl(
  config: Pick<ReceiverConfig, 'publicUrl' | 'adminPublicUrl' | 'adminListener'>,
): string | undefined {
  if (config.adminPublicUrl !== undefined) return `${config.adminPublicUrl}/admin`;
  if (config.adminListener !== undefined || config.publicUrl === undefined) return undefined;
  return `${config.publicUrl}/admin`;
}
