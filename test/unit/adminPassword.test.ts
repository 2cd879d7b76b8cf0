import {
  hashAdminPassword,
  parseAdminPasswordHash,
  verifyAdminPassword,
} from '../../src/receiver/secrets/adminPassword';

describe('the admin password', () => {
  it('a hash made by hashAdminPassword verifies the password and nothing else', async () => {
    const hash = await hashAdminPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/u);
    expect(hash).not.toContain('correct horse');
    await expect(verifyAdminPassword('correct horse battery staple', hash)).resolves.toBe(true);
    await expect(verifyAdminPassword('correct horse battery stapler', hash)).resolves.toBe(false);
    await expect(verifyAdminPassword('', hash)).resolves.toBe(false);
  });

  it('two hashes of one password differ (random salt) and both verify', async () => {
    const [first, second] = await Promise.all([hashAdminPassword('pw'), hashAdminPassword('pw')]);
    expect(first).not.toBe(second);
    await expect(verifyAdminPassword('pw', second)).resolves.toBe(true);
  });

  it('a plain ADMIN_PASSWORD verifies by exact match, whatever the lengths', async () => {
    await expect(verifyAdminPassword('open sesame', 'open sesame')).resolves.toBe(true);
    await expect(verifyAdminPassword('open sesam', 'open sesame')).resolves.toBe(false);
    await expect(verifyAdminPassword('open sesame and more', 'open sesame')).resolves.toBe(false);
    await expect(verifyAdminPassword('', '')).resolves.toBe(false);
  });

  it('a hash with small parameters (as another tool may write) verifies too', async () => {
    const hash = 'scrypt$1024$8$1$c2FsdHNhbHRzYWx0$' + 'A'.repeat(43) + '=';
    expect(parseAdminPasswordHash(hash)).toMatchObject({ N: 1024, r: 8, p: 1 });
    await expect(verifyAdminPassword('anything', hash)).resolves.toBe(false);
  });

  it.each([
    ['another scheme', 'bcrypt$10$abc'],
    ['N not a power of two', 'scrypt$1000$8$1$c2FsdHNhbHRzYWx0$' + 'A'.repeat(44)],
    ['N too large', `scrypt$${2 ** 22}$8$1$c2FsdHNhbHRzYWx0$` + 'A'.repeat(44)],
    ['r zero', 'scrypt$1024$0$1$c2FsdHNhbHRzYWx0$' + 'A'.repeat(44)],
    ['a short salt', 'scrypt$1024$8$1$c2FsdA==$' + 'A'.repeat(44)],
    ['a missing hash', 'scrypt$1024$8$1$c2FsdHNhbHRzYWx0$'],
  ])('%s is not an ADMIN_PASSWORD_HASH', (_what, text) => {
    expect(parseAdminPasswordHash(text)).toBeUndefined();
  });
});
