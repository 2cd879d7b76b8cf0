import type { SuperOfficeAuthorizer, SuperOfficeCredentials } from './superOfficeOptions';

/**
 * The authorizer for a tenant's credentials. Basic and a fixed ticket need no exchange.
 * TODO(issue 18): `system_user` — the PartnerSystemUser exchange and the ticket's renewal.
 */
export function superOfficeAuthorizer(
  credentials: SuperOfficeCredentials,
  _options: { baseUrl: string; now?: (() => number) | undefined } = { baseUrl: '' },
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
      throw new Error('system_user credentials are not built yet');
  }
}

function fixed(headers: Record<string, string>, description: string): SuperOfficeAuthorizer {
  return {
    headers: () => Promise.resolve({ ...headers }),
    rejected: () => false,
    describe: () => description,
  };
}
