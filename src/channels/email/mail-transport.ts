import { BeforeProviderCall } from '../../notifications/channels/channel-sender';

/** One email as Herald hands it to an SMTP transport; no SDK types leak past this file. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** With angle brackets, e.g. `<id@herald.example>`. */
  messageId: string;
  date: Date;
  /** Extra headers (List-Unsubscribe, X-Herald-Notification, …). */
  headers: Record<string, string>;
  attachments: MailAttachment[];
}

export interface MailAttachment {
  filename: string;
  /** Full Content-Type, e.g. `text/calendar; charset=utf-8; method=PUBLISH`. */
  contentType: string;
  content: string;
}

export interface MailReceipt {
  /** The Message-ID the message went out with. */
  messageId: string;
}

/**
 * Sends mail over SMTP. Implementations throw ChannelError: retryable for 4xx replies,
 * connection failures and timeouts; permanent for 5xx replies (recipient rejections coded
 * `recipient_rejected`).
 */
export abstract class MailTransport {
  /** Sends `mail`, calling `beforeProviderCall` once a connection is free for it, right before it goes. */
  abstract send(mail: OutgoingMail, beforeProviderCall: BeforeProviderCall): Promise<MailReceipt>;
}
