import { ChannelError } from '../../notifications/channels/channel-sender';

/** What an SMTP client library reports on failure (nodemailer's shape, but nothing of its types). */
export interface SmtpFailure {
  message?: string;
  /** Library code: EENVELOPE, EMESSAGE, EAUTH, ECONNECTION, ETIMEDOUT, ESOCKET, EDNS, ETLS, … */
  code?: string;
  /** The server's reply code, when it replied. */
  responseCode?: number;
  /** The server's reply line(s). */
  response?: string;
  /** The command the server refused: `RCPT TO`, `DATA`, `AUTH PLAIN`, … */
  command?: string;
}

/** Library codes that mean the server could not be reached or stopped answering. */
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Reply codes by which a server says this recipient does not exist or is not allowed. */
const RECIPIENT_REJECTED = new Set([550, 551, 553]);

/**
 * Turns an SMTP failure into a ChannelError. 4xx replies are temporary (retryable); a 550/551/553
 * reply to RCPT TO is a rejected recipient (permanent, `recipient_rejected`); every other 5xx is
 * permanent; no reply at all (connection refused, reset, timed out) is retryable.
 */
export function classifySmtpFailure(failure: SmtpFailure): ChannelError {
  const reply = (failure.response ?? failure.message ?? 'SMTP failure').replace(/\s+/g, ' ').trim();
  const status = failure.responseCode;
  if (status !== undefined && status >= 400 && status < 500) return ChannelError.retryable(reply, undefined, `smtp_${status}`);
  if (status !== undefined && status >= 500 && status < 600) {
    const atRecipient = failure.command === 'RCPT TO' || failure.code === 'EENVELOPE';
    if (atRecipient && RECIPIENT_REJECTED.has(status)) return ChannelError.permanent(reply, 'recipient_rejected');
    return ChannelError.permanent(reply, `smtp_${status}`);
  }
  if (failure.code && CONNECTION_CODES.has(failure.code)) {
    return ChannelError.retryable(reply, undefined, failure.code === 'ETIMEDOUT' ? 'smtp_timeout' : 'smtp_connection');
  }
  // Credentials missing or refused without a reply code: a setting to fix, not a moment to wait.
  if (failure.code === 'EAUTH') return ChannelError.permanent(reply, 'smtp_auth');
  return ChannelError.retryable(reply, undefined, 'smtp_error');
}
