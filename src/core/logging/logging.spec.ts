import pino from 'pino';
import { Writable } from 'node:stream';
import { loadConfig } from '../config/herald-config';
import { pinoOptions } from './logging.module';

describe('log redaction', () => {
  it('hides phone numbers, emails, tokens and message bodies at any depth we log them', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino(pinoOptions(loadConfig({ AUTH_JWT_SECRET: 'a-secret-that-is-at-least-32-characters' })), sink);
    logger.info({
      req: { url: '/admin/queues?token=jwt-in-the-address&x=1', headers: { authorization: 'Bearer secret-token' } },
      res: { headers: { 'set-cookie': 'herald_queues_token=jwt-in-a-cookie; HttpOnly' } },
      recipient: { email: 'kamola@example.com', phone: '+998901234567' },
      message: { text: 'Your booking is at 14:30', chatId: 12345 },
      token: 'abc',
      notificationId: 'n-1',
    });
    const output = lines.join('');
    for (const secret of ['jwt-in-the-address', 'jwt-in-a-cookie', 'secret-token', 'kamola@example.com', '+998901234567', 'Your booking is at 14:30', '12345', '"abc"']) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('n-1');
    expect(output).toContain('/admin/queues?token=[redacted]&x=1');
    expect(output).toContain('[redacted]');
  });
});
