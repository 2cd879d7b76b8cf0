import { SettingsError, type SettingName, type SettingsInput } from '../../src/receiver/settings/connectionSettings';
import { validateSettingsInput, validDomains } from '../../src/receiver/settings/validateSettings';

function fieldOf(work: () => unknown): SettingName | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof SettingsError) return error.field;
    throw error;
  }
  return undefined;
}

describe('validating the Lime connection settings an admin submits', () => {
  it('valid settings come back trimmed and normalized', () => {
    expect(
      validateSettingsInput(
        {
          url: ' https://lime.example.com/Lime CRM ',
          apiKey: ' key-0123456789 ',
          historyType: ' dcisummary ',
          createMissingContacts: true,
          internalDomains: [' Seller.SE ', '', 'seller.no', 'seller.se'],
        },
        [],
      ),
    ).toEqual({
      url: 'https://lime.example.com/Lime CRM',
      apiKey: 'key-0123456789',
      historyType: 'dcisummary',
      createMissingContacts: true,
      internalDomains: ['seller.se', 'seller.no'],
    });
  });

  it('an empty URL or API key keeps the stored one; absent fields are left alone', () => {
    expect(validateSettingsInput({ url: '  ', apiKey: '' }, [])).toEqual({});
    expect(validateSettingsInput({}, [])).toEqual({});
  });

  it('locked settings (given by the environment) are ignored, even when invalid', () => {
    const locked: SettingName[] = ['url', 'apiKey', 'historyType', 'createMissingContacts', 'internalDomains'];
    expect(
      validateSettingsInput(
        { url: 'ftp://x', apiKey: 'a b', historyType: '', createMissingContacts: true, internalDomains: ['a@b.se'] },
        locked,
      ),
    ).toEqual({});
  });

  it.each([
    ['a URL without a scheme', { url: 'lime.example.com/acme' }, 'url'],
    ['an ftp URL', { url: 'ftp://lime.example.com/acme' }, 'url'],
    ['a javascript: URL', { url: 'javascript:alert(1)' }, 'url'],
    ['an API key with spaces', { apiKey: 'key with spaces' }, 'apiKey'],
    ['an empty history type', { historyType: '  ' }, 'historyType'],
    ['a domain with @', { internalDomains: ['anna@seller.se'] }, 'internalDomains'],
    ['a domain starting with @', { internalDomains: ['@seller.se'] }, 'internalDomains'],
    ['a word that is no domain', { internalDomains: ['seller'] }, 'internalDomains'],
    ['a domain with a space', { internalDomains: ['seller .se'] }, 'internalDomains'],
  ] satisfies Array<[string, SettingsInput, SettingName]>)('%s is refused, naming the field', (_what, input, field) => {
    expect(fieldOf(() => validateSettingsInput(input, []))).toBe(field);
  });

  it('an unchecked "Create contacts" box turns creating off', () => {
    expect(validateSettingsInput({ createMissingContacts: false }, [])).toEqual({ createMissingContacts: false });
  });

  it('an empty domain list clears the domains', () => {
    expect(validDomains([])).toEqual([]);
    expect(validDomains([' ', ''])).toEqual([]);
  });
});
