import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { AxiosHeaders } from 'axios';
import { CrmError } from '../../src/crm/crmError';
import { requestSystemUserJwt } from '../../src/superoffice-addon/partnerSystemUserService';
import { credentialsSentWith, withoutCredentials } from '../../src/superoffice-addon/withoutCredentials';

// What SuperOffice echoes of the credentials it was sent never reaches the text stored for admins: the values a
// WebAPI request carried (SOTicket, SO-AppToken, Basic) and what the system user exchange sent (client secret,
// signed system user token).

describe('withoutCredentials', () => {
  it('cuts every occurrence of each secret, the longest first, and leaves the rest of the text', () => {
    const text = 'Ticket 7T:abc123 with app token s3cret-app; again 7T:abc123.';
    expect(withoutCredentials(text, ['7T:abc123', 's3cret-app', '7T:abc123 with'])).toBe(
      'Ticket [credential] app token [credential]; again [credential].',
    );
    expect(withoutCredentials('nothing secret here', ['', 'abc'])).toBe('nothing secret here');
  });

  it('reads the credentials of a request: the SOTicket and SO-AppToken, or Basic with the password it encodes', () => {
    const ticket = credentialsSentWith({
      headers: new AxiosHeaders({ Authorization: 'SOTicket 7T:tick-et', 'SO-AppToken': 'app-secret' }),
    });
    expect(ticket).toEqual(expect.arrayContaining(['SOTicket 7T:tick-et', '7T:tick-et', 'app-secret']));
    const basic = credentialsSentWith({
      headers: { Authorization: `Basic ${Buffer.from('user:pass word&1').toString('base64')}` },
    });
    expect(basic).toEqual(expect.arrayContaining(['user:pass word&1', 'pass word&1']));
    expect(credentialsSentWith(undefined)).toEqual([]);
  });
});

describe('the system user exchange refused with an ErrorMessage that echoes what was sent', () => {
  let server: Server;
  let loginUrl: string;

  beforeEach(async () => {
    // A login service that refuses and repeats the request body in its ErrorMessage, as a careless one might.
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const sent = JSON.parse(body) as { SignedSystemToken: string; ApplicationToken: string };
        response.setHeader('content-type', 'application/json');
        response.end(
          JSON.stringify({
            IsSuccessful: false,
            ErrorMessage: `Unknown or revoked system user: ${sent.SignedSystemToken} (sent with ${sent.ApplicationToken})`,
            Token: null,
          }),
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    loginUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/Login/api/PartnerSystemUser/Authenticate`;
  });
  afterEach(async () => {
    server.close();
    await once(server, 'close');
  });

  it('the CrmError names the cause (consent) and its detail has neither the client secret nor the system user token', async () => {
    const systemUserToken = 'DCI CRM Companion-echo-Zq81';
    const error = await requestSystemUserJwt({
      loginUrl,
      signedSystemToken: `${systemUserToken}.202612050000.c2lnbmF0dXJl`,
      clientSecret: 'echoed-Qx7-value',
      contextIdentifier: 'Cust12345',
      application: 'the application with client id abc…',
      signal: AbortSignal.timeout(5_000),
    }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(CrmError);
    const failure = error as CrmError;
    expect(failure.code).toBe('unauthorized');
    expect(failure.message).toContain('SUPEROFFICE_SYSTEM_USER_TOKEN');
    expect(failure.detail).toContain('[credential]');
    for (const secret of ['echoed-Qx7-value', systemUserToken, 'c2lnbmF0dXJl']) {
      expect(failure.detail).not.toContain(secret);
      expect(failure.message).not.toContain(secret);
    }
  });
});
