import { createServer } from 'node:net';
import { AddressInfo } from 'node:net';
import { NodemailerTransport } from '../src/channels/email/nodemailer-transport';
import { OutgoingMail } from '../src/channels/email/mail-transport';
import { ChannelError, NOTHING_TO_RENEW } from '../src/notifications/channels/channel-sender';
import { parseMail } from './channels-email.fixtures';
import { SmtpPeer } from './support/smtp-peer';

/** The SMTP adapter alone against a real local SMTP server: what nodemailer's failures become. */
describe(`${NodemailerTransport.name} (against a local SMTP server)`, () => {
  let peer: SmtpPeer;
  let sut: NodemailerTransport;

  beforeAll(async () => {
    peer = await SmtpPeer.start();
    sut = NodemailerTransport.fromUrl(peer.url);
  });
  afterAll(async () => {
    sut?.onModuleDestroy();
    await peer?.stop();
  });

  const mail = (to: string, id = 'n-1'): OutgoingMail => ({
    from: 'Herald <no-reply@herald.test>',
    to,
    subject: 'Привет, Kamola',
    text: 'Line one\nLine two',
    html: '<p>Line one<br>Line two</p>',
    messageId: `<${id}@herald.test>`,
    date: new Date('2031-01-10T06:00:00Z'),
    headers: { 'X-Herald-Notification': id },
    attachments: [],
  });

  const failureOf = async (promise: Promise<unknown>): Promise<ChannelError> => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChannelError);
    return error as ChannelError;
  };

  it('delivers with the given Message-ID, envelope and headers, and reports the Message-ID', async () => {
    const receipt = await sut.send(mail('kamola@herald.test', 'n-ok'), NOTHING_TO_RENEW);
    expect(receipt).toEqual({ messageId: '<n-ok@herald.test>' });
    const [received] = peer.containing('X-Herald-Notification: n-ok');
    expect(received).toMatchObject({ mailFrom: 'no-reply@herald.test', rcptTo: ['kamola@herald.test'] });
    const parsed = await parseMail(received);
    expect(parsed).toMatchObject({ subject: 'Привет, Kamola', messageId: '<n-ok@herald.test>', date: '2031-01-10T06:00:00.000Z' });
    expect(parsed.text?.trim()).toBe('Line one\nLine two');
  });

  it('turns a 451 at RCPT TO into a retryable error and a 550 into a rejected recipient', async () => {
    peer.reject({ phase: 'rcpt', code: 451, message: '4.7.1 Greylisted' });
    expect(await failureOf(sut.send(mail('a@herald.test'), NOTHING_TO_RENEW))).toMatchObject({ retryable: true, code: 'smtp_451' });
    peer.reject({ phase: 'rcpt', code: 553, message: '5.1.3 Bad recipient address syntax' });
    expect(await failureOf(sut.send(mail('b@herald.test'), NOTHING_TO_RENEW))).toMatchObject({ retryable: false, code: 'recipient_rejected' });
  });

  it('turns a 452 at DATA into a retryable error and a 552 into a permanent one', async () => {
    peer.reject({ phase: 'data', code: 452, message: '4.3.1 Insufficient system storage' });
    expect(await failureOf(sut.send(mail('c@herald.test'), NOTHING_TO_RENEW))).toMatchObject({ retryable: true, code: 'smtp_452' });
    peer.reject({ phase: 'data', code: 552, message: '5.3.4 Message too big' });
    expect(await failureOf(sut.send(mail('d@herald.test'), NOTHING_TO_RENEW))).toMatchObject({ retryable: false, code: 'smtp_552' });
    // The pooled connection survives refusals.
    await expect(sut.send(mail('e@herald.test', 'n-after'), NOTHING_TO_RENEW)).resolves.toEqual({ messageId: '<n-after@herald.test>' });
  });

  it('retries when nothing listens on the port', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nowhere = NodemailerTransport.fromUrl(`smtp://127.0.0.1:${port}?tls=false`);
    try {
      expect(await failureOf(nowhere.send(mail('f@herald.test'), NOTHING_TO_RENEW))).toMatchObject({ retryable: true, code: 'smtp_connection' });
    } finally {
      nowhere.onModuleDestroy();
    }
  });
});
