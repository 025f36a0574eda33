import { OnModuleDestroy } from '@nestjs/common';
import nodemailer, { Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { Slots } from '../../core/concurrency/slots';
import { BeforeProviderCall, ChannelError } from '../../notifications/channels/channel-sender';
import { MailReceipt, MailTransport, OutgoingMail } from './mail-transport';
import { classifySmtpFailure, SmtpFailure } from './smtp-errors';

/** SMTP connections the pool keeps open at most, per process. */
const MAX_CONNECTIONS = 5;

/**
 * SMTP_URL as connection options. `smtps://` is TLS from the first byte (port 465 by default);
 * `smtp://` upgrades with STARTTLS whenever the server offers it (port 587 by default).
 * `?tls=required` refuses a server that does not offer STARTTLS; `?tls=false` never upgrades
 * (local test servers only). User and password are URL-encoded, e.g.
 * `smtps://apikey:SG.xxx@smtp.sendgrid.net:465` or `smtp://apikey:SG.xxx@smtp.sendgrid.net:587`.
 */
export function smtpOptionsFromUrl(smtpUrl: string): SMTPPool.Options {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  if (!secure && url.protocol !== 'smtp:') throw new Error(`SMTP_URL must start with smtp:// or smtps:// (got ${url.protocol}//)`);
  if (!url.hostname) throw new Error('SMTP_URL names no host');
  const tls = url.searchParams.get('tls');
  if (tls !== null && !['false', 'required', 'true'].includes(tls)) throw new Error(`SMTP_URL: tls must be false, true or required (got ${tls})`);
  return {
    pool: true,
    maxConnections: MAX_CONNECTIONS,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ignoreTLS: !secure && tls === 'false',
    requireTLS: !secure && tls === 'required',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  };
}

/**
 * MailTransport over nodemailer's pooled SMTP transport. A message waits here for one of the
 * pool's connections, not in nodemailer's queue, so that `beforeProviderCall` runs once its
 * connection is free and nothing but the SMTP exchange is left.
 */
export class NodemailerTransport extends MailTransport implements OnModuleDestroy {
  private readonly connections = new Slots(MAX_CONNECTIONS);

  constructor(private readonly transporter: Transporter<SMTPPool.SentMessageInfo>) {
    super();
  }

  static fromUrl(smtpUrl: string): NodemailerTransport {
    return new NodemailerTransport(nodemailer.createTransport(smtpOptionsFromUrl(smtpUrl)));
  }

  send(mail: OutgoingMail, beforeProviderCall: BeforeProviderCall): Promise<MailReceipt> {
    return this.connections.within(async () => {
      await beforeProviderCall();
      return this.sendNow(mail);
    });
  }

  private async sendNow(mail: OutgoingMail): Promise<MailReceipt> {
    let info: SMTPPool.SentMessageInfo;
    try {
      info = await this.transporter.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        date: mail.date,
        headers: mail.headers,
        attachments: mail.attachments.map((attachment) => ({
          filename: attachment.filename,
          contentType: attachment.contentType,
          content: attachment.content,
        })),
        disableFileAccess: true,
        disableUrlAccess: true,
      });
    } catch (error) {
      throw classifySmtpFailure(error as SmtpFailure);
    }
    // A server may accept the message but refuse the only recipient only later; nodemailer lists it.
    if (info.rejected?.length && !info.accepted?.length) throw ChannelError.permanent(`recipient rejected: ${info.response ?? ''}`.trim(), 'recipient_rejected');
    return { messageId: info.messageId || mail.messageId };
  }

  onModuleDestroy(): void {
    this.transporter.close();
  }
}

/** Stands in while SMTP_URL is not set; the sender then reports itself not configured, so this never runs. */
export class UnconfiguredMailTransport extends MailTransport {
  async send(): Promise<MailReceipt> {
    throw ChannelError.permanent('SMTP_URL is not set', 'channel_not_configured');
  }
}
