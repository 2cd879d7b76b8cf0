import { apiRootOf, parseRetryAfter } from '../../src/lime-addon';

describe('the Lime API URL an admin pastes', () => {
  it.each([
    ['https://acme.lime-crm.com/acme', 'https://acme.lime-crm.com/acme/api/v1/'],
    ['https://acme.lime-crm.com/acme/', 'https://acme.lime-crm.com/acme/api/v1/'],
    ['  https://lime.example.com/Lime CRM  ', 'https://lime.example.com/Lime%20CRM/api/v1/'],
    ['https://lime.example.com/Lime%20CRM', 'https://lime.example.com/Lime%20CRM/api/v1/'],
    ['https://lime.example.com/lime_core/api/v1/', 'https://lime.example.com/lime_core/api/v1/'],
    ['http://localhost:8080/lime', 'http://localhost:8080/lime/api/v1/'],
  ])('%s is read as the API root %s', (pasted, root) => {
    expect(apiRootOf(pasted).href).toBe(root);
  });

  it.each(['ftp://lime.example.com/x', 'lime.example.com/x', ''])('%p is refused', (pasted) => {
    expect(() => apiRootOf(pasted)).toThrow();
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-20T10:00:00Z');
  it.each([
    ['7', 7000],
    [' 0 ', 0],
    ['Fri, 20 Nov 2026 10:00:30 GMT', 30_000],
    ['Fri, 20 Nov 2026 09:00:00 GMT', 0],
    ['', undefined],
    ['soon', undefined],
  ])('%p means wait %p ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});
