import { classifySmtpFailure } from './smtp-errors';

describe('classifySmtpFailure', () => {
  it('takes 4xx replies for temporary', () => {
    const error = classifySmtpFailure({ code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO', response: '451 4.7.1 Try again later' });
    expect(error).toMatchObject({ retryable: true, code: 'smtp_451', message: '451 4.7.1 Try again later' });
    expect(classifySmtpFailure({ code: 'EMESSAGE', responseCode: 421, command: 'DATA' })).toMatchObject({ retryable: true, code: 'smtp_421' });
  });

  it('takes 550/553 refusals of the recipient for a permanently rejected recipient', () => {
    expect(classifySmtpFailure({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 No such user' })).toMatchObject({
      retryable: false,
      code: 'recipient_rejected',
    });
    expect(classifySmtpFailure({ code: 'EENVELOPE', responseCode: 553, command: 'RCPT TO' })).toMatchObject({ retryable: false, code: 'recipient_rejected' });
  });

  it('takes any other 5xx for permanent', () => {
    expect(classifySmtpFailure({ code: 'EMESSAGE', responseCode: 550, command: 'DATA', response: '550 spam' })).toMatchObject({ retryable: false, code: 'smtp_550' });
    expect(classifySmtpFailure({ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' })).toMatchObject({ retryable: false, code: 'smtp_535' });
    expect(classifySmtpFailure({ code: 'EENVELOPE', responseCode: 552, command: 'RCPT TO' })).toMatchObject({ retryable: false, code: 'smtp_552' });
  });

  it('retries when the server could not be reached or stopped answering', () => {
    expect(classifySmtpFailure({ code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:1' })).toMatchObject({ retryable: true, code: 'smtp_connection' });
    expect(classifySmtpFailure({ code: 'ETIMEDOUT', message: 'Greeting never received' })).toMatchObject({ retryable: true, code: 'smtp_timeout' });
    expect(classifySmtpFailure({ code: 'ESOCKET', message: 'socket hang up' })).toMatchObject({ retryable: true });
  });

  it('takes missing credentials for a setting to fix, and anything unknown for passing', () => {
    expect(classifySmtpFailure({ code: 'EAUTH', message: 'Missing credentials for "PLAIN"' })).toMatchObject({ retryable: false, code: 'smtp_auth' });
    expect(classifySmtpFailure({ message: 'weird' })).toMatchObject({ retryable: true, code: 'smtp_error' });
  });
});
