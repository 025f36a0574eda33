import { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerAddress, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';

/** One message as the peer received it. */
export interface ReceivedMail {
  mailFrom: string | null;
  rcptTo: string[];
  /** The whole message, headers and body, as sent. */
  raw: Buffer;
  receivedAt: number;
}

export type SmtpPhase = 'rcpt' | 'data';

/** A scripted refusal: the next `times` matching RCPT TO or DATA commands get this reply. */
export interface Rejection {
  phase: SmtpPhase;
  /** SMTP reply code, e.g. 451 (try again later) or 550 (no such user). */
  code: number;
  message?: string;
  /** Only for this recipient (case-insensitive); any recipient when absent. */
  to?: string;
  times?: number;
}

interface PendingRejection extends Required<Omit<Rejection, 'to'>> {
  to?: string;
}

/**
 * A real SMTP server (smtp-server) on a free local port, for the email channel's tests. It
 * offers no STARTTLS and takes any (or no) credentials, keeps every accepted message raw with
 * its envelope, and refuses commands as scripted with `reject`.
 */
export class SmtpPeer {
  readonly received: ReceivedMail[] = [];
  /** Every refusal it gave, in order: phase, code and the recipients concerned. */
  readonly refusals: { phase: SmtpPhase; code: number; to: string[] }[] = [];
  private readonly rejections: PendingRejection[] = [];
  private readonly server: SMTPServer;
  private port = 0;

  /** Messages accepted, including those not kept. */
  accepted = 0;
  /** Messages whose data arrived and whose answer is still to come (see `answerDelayMs`). */
  answering = 0;

  private constructor(
    private readonly keepMessages: boolean,
    private answerDelayMs: number,
  ) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      banner: 'herald test peer',
      onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'anonymous' }),
      onRcptTo: (address, session, callback) => this.onRcptTo(address, session, callback),
      onData: (stream, session, callback) => this.onData(stream, session, callback),
    });
    // A client gone in the middle of a message (a Herald process a test stopped) fails its connection, not the peer.
    this.server.on('error', () => undefined);
  }

  /**
   * `keepMessages: false` only counts what it accepts (for load runs of many thousand messages).
   * `answerDelayMs`: a slow provider, answering each message's DATA this long after it arrived.
   */
  static async start(options: { keepMessages?: boolean; answerDelayMs?: number } = {}): Promise<SmtpPeer> {
    const peer = new SmtpPeer(options.keepMessages ?? true, options.answerDelayMs ?? 0);
    await new Promise<void>((resolve, reject) => {
      peer.server.once('error', reject);
      peer.server.listen(0, '127.0.0.1', () => resolve());
    });
    peer.port = (peer.server.server.address() as AddressInfo).port;
    return peer;
  }

  /** From now on, answer each message's DATA this much later, as a slow server would (0: at once). */
  slowDown(ms: number): void {
    this.answerDelayMs = ms;
  }

  /** For SMTP_URL: plain SMTP, no TLS upgrade. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}?tls=false`;
  }

  reject(rejection: Rejection): void {
    this.rejections.push({ message: rejection.code < 500 ? 'Try again later' : 'Rejected', times: 1, ...rejection });
  }

  /** Messages that went to `address`. */
  to(address: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.rcptTo.includes(address.toLowerCase()));
  }

  /** Messages whose raw text contains `needle` (e.g. an `X-Herald-Notification` value). */
  containing(needle: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.raw.toString('utf8').includes(needle));
  }

  /** The notification each message names in its X-Herald-Notification header, one per message received, repeats included. */
  notificationIds(): string[] {
    return this.received.map((mail) => SmtpPeer.header(mail, 'X-Herald-Notification') ?? 'no X-Herald-Notification header');
  }

  /** The first value of header `name` in `mail`, up to the first space. */
  static header(mail: ReceivedMail, name: string): string | null {
    return new RegExp(`^${name}:\\s*(\\S+)`, 'im').exec(mail.raw.toString('utf8'))?.[1] ?? null;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const refusal = this.take('rcpt', [address.address.toLowerCase()]);
    callback(refusal);
  }

  private onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      if (this.answerDelayMs === 0) return this.answerData(chunks, session, callback);
      this.answering += 1;
      setTimeout(() => {
        this.answering -= 1;
        this.answerData(chunks, session, callback);
      }, this.answerDelayMs);
    });
  }

  private answerData(chunks: Buffer[], session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const rcptTo = session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase());
    const refusal = this.take('data', rcptTo);
    if (refusal) return callback(refusal);
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
    this.accepted += 1;
    if (this.keepMessages) this.received.push({ mailFrom, rcptTo, raw: Buffer.concat(chunks), receivedAt: Date.now() });
    callback(null);
  }

  /** The error of the first scripted refusal matching this command, consuming one of its times. */
  private take(phase: SmtpPhase, recipients: string[]): Error | null {
    const index = this.rejections.findIndex((r) => r.phase === phase && (!r.to || recipients.includes(r.to.toLowerCase())));
    if (index < 0) return null;
    const rejection = this.rejections[index];
    if (--rejection.times <= 0) this.rejections.splice(index, 1);
    this.refusals.push({ phase, code: rejection.code, to: recipients });
    return Object.assign(new Error(rejection.message), { responseCode: rejection.code });
  }
}
