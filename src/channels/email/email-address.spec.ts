import { domainOf, isValidEmailAddress } from './email-address';

describe('isValidEmailAddress', () => {
  it.each(['customer@herald.test', 'a.b+tag@mail.example.co.uk', "o'neil@example.com", 'x_y-z@sub-domain.example.org'])('accepts %s', (address) => {
    expect(isValidEmailAddress(address)).toBe(true);
  });

  it.each([
    '',
    'not an address',
    'no-at-sign.example.com',
    '@example.com',
    'user@',
    'user@localhost',
    'user@example..com',
    'user@-example.com',
    'a..b@example.com',
    '.a@example.com',
    'user@example.123',
    'user@exa mple.com',
    'user@example.com\r\nBcc: victim@example.com',
    'Kamola <kamola@example.com>',
    'a@b@example.com',
    `${'x'.repeat(65)}@example.com`,
    `user@${'a'.repeat(250)}.com`,
  ])('refuses %j', (address) => {
    expect(isValidEmailAddress(address)).toBe(false);
  });
});

describe('domainOf', () => {
  it('reads the domain of a From value with or without a display name', () => {
    expect(domainOf('Herald <no-reply@Herald.Example>')).toBe('herald.example');
    expect(domainOf('no-reply@herald.example')).toBe('herald.example');
    expect(domainOf('Herald')).toBeNull();
  });
});
