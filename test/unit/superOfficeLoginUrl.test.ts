import {
  authenticateUrlOf,
  defaultLoginUrl,
  jwksUrlBeside,
  tenantOf,
} from '../../src/superoffice-addon/systemUserAuthorizer';
import { systemUserTimestamp } from '../../src/superoffice-addon/signSystemUserToken';

describe('where the system user exchange goes', () => {
  it.each([
    [
      'https://online3.superoffice.com/Cust12345',
      'https://online.superoffice.com/Login/api/PartnerSystemUser/Authenticate',
    ],
    ['https://sod2.superoffice.com/Cust26759/', 'https://sod.superoffice.com/Login/api/PartnerSystemUser/Authenticate'],
    ['https://Stage.SuperOffice.com/Cust1', 'https://stage.superoffice.com/Login/api/PartnerSystemUser/Authenticate'],
  ])('%s → %s', (baseUrl, loginUrl) => {
    expect(defaultLoginUrl(baseUrl)).toBe(loginUrl);
  });

  it('asks for SUPEROFFICE_LOGIN_URL when the host is not SuperOffice Online', () => {
    expect(() => defaultLoginUrl('https://crm.example.com/SuperOffice')).toThrow(/SUPEROFFICE_LOGIN_URL/u);
  });

  it.each([
    ['https://online.superoffice.com/login', 'https://online.superoffice.com/login/api/PartnerSystemUser/Authenticate'],
    [
      'https://online.superoffice.com/Login/',
      'https://online.superoffice.com/Login/api/PartnerSystemUser/Authenticate',
    ],
    ['https://sod.superoffice.com', 'https://sod.superoffice.com/Login/api/PartnerSystemUser/Authenticate'],
    [
      'https://sod.superoffice.com/Login/api/PartnerSystemUser/Authenticate',
      'https://sod.superoffice.com/Login/api/PartnerSystemUser/Authenticate',
    ],
    [
      'https://proxy.example.com/so-login/api/partnersystemuser/authenticate/',
      'https://proxy.example.com/so-login/api/partnersystemuser/authenticate/',
    ],
  ])('SUPEROFFICE_LOGIN_URL %s → the exchange at %s', (given, exchange) => {
    expect(authenticateUrlOf(given)).toBe(exchange);
    expect(jwksUrlBeside(authenticateUrlOf(given))).toMatch(/\/\.well-known\/jwks$/u);
  });

  it('finds the public keys beside the login service', () => {
    expect(jwksUrlBeside('https://sod.superoffice.com/Login/api/PartnerSystemUser/Authenticate')).toBe(
      'https://sod.superoffice.com/Login/.well-known/jwks',
    );
  });

  it('reads the tenant from the first path segment, and refuses a URL without one', () => {
    expect(tenantOf('https://online3.superoffice.com/Cust12345/')).toBe('Cust12345');
    expect(() => tenantOf('https://online3.superoffice.com/')).toThrow(/customer id/u);
  });

  it('stamps the signed token with the UTC minute as YYYYMMddHHmm, zero-padded', () => {
    expect(systemUserTimestamp(Date.parse('2026-03-04T05:06:59.999Z'))).toBe('202603040506');
  });
});
