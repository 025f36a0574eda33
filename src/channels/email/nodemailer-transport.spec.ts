import { smtpOptionsFromUrl } from './nodemailer-transport';

describe('smtpOptionsFromUrl', () => {
  it('uses implicit TLS on port 465 for smtps://, with URL-decoded credentials (SendGrid)', () => {
    expect(smtpOptionsFromUrl('smtps://apikey:SG.ab%2Fc%3D@smtp.sendgrid.net')).toMatchObject({
      host: 'smtp.sendgrid.net',
      port: 465,
      secure: true,
      ignoreTLS: false,
      requireTLS: false,
      auth: { user: 'apikey', pass: 'SG.ab/c=' },
    });
  });

  it('upgrades smtp:// with STARTTLS when offered, on 587 by default', () => {
    expect(smtpOptionsFromUrl('smtp://user:pass@smtp.example.com')).toMatchObject({ port: 587, secure: false, ignoreTLS: false, requireTLS: false });
    expect(smtpOptionsFromUrl('smtp://smtp.example.com:2525?tls=required')).toMatchObject({ port: 2525, requireTLS: true, auth: undefined });
  });

  it('never upgrades with ?tls=false (local test servers)', () => {
    expect(smtpOptionsFromUrl('smtp://127.0.0.1:2525?tls=false')).toMatchObject({ host: '127.0.0.1', port: 2525, ignoreTLS: true });
  });

  it('refuses a scheme or tls option it does not know', () => {
    expect(() => smtpOptionsFromUrl('http://smtp.example.com')).toThrow('smtp://');
    expect(() => smtpOptionsFromUrl('smtp://smtp.example.com?tls=maybe')).toThrow('tls');
  });
});
