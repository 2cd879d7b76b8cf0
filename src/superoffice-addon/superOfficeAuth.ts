import type { SuperOfficeAuthorizer, SuperOfficeCredentials } from './superOfficeOptions';
import { systemUserAuthorizer, type SystemUserAuthorizerOptions } from './systemUserAuthorizer';

/**
 * The authorizer for a tenant's credentials. Basic and a fixed ticket need no exchange; `system_user` exchanges its
 * token for a ticket and renews it (systemUserAuthorizer.ts). Throws on unusable configuration (a private key that is
 * not a PEM key, no customer id in the URL, no login URL for a host that is not *.superoffice.com).
 */
export function superOfficeAuthorizer(
  credentials: SuperOfficeCredentials,
  options: SystemUserAuthorizerOptions = { baseUrl: '' },
): SuperOfficeAuthorizer {
  switch (credentials.kind) {
    case 'basic': {
      const basic = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
      return fixed({ Authorization: `Basic ${basic}` }, `basic auth as ${credentials.username}`);
    }
    case 'ticket':
      return fixed(
        {
          Authorization: `SOTicket ${credentials.ticket}`,
          ...(credentials.appToken === undefined ? {} : { 'SO-AppToken': credentials.appToken }),
        },
        'a fixed SOTicket',
      );
    case 'system_user':
      return systemUserAuthorizer(credentials, options);
  }
}

function fixed(headers: Record<string, string>, description: string): SuperOfficeAuthorizer {
  return {
    headers: () => Promise.resolve({ ...headers }),
    rejected: () => false,
    describe: () => description,
  };
}
