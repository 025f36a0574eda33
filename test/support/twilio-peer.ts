import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A local stand-in for Twilio's Messages API (2010-04-01), speaking its wire format: Basic auth
 * with the account SID and auth token, form-encoded requests, Twilio-shaped JSON answers and
 * error bodies `{ code, message, more_info, status }`. It records every request, fails the next
 * ones on demand, and sends status callbacks signed as Twilio signs them.
 */

export interface TwilioPeerMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
}

export interface TwilioPeerRequest {
  /** Date.now() when it arrived. */
  at: number;
  method: string;
  path: string;
  /** Whether the Basic credentials were the account's. */
  authorized: boolean;
  params: Record<string, string>;
  /** The status the peer answered with. */
  status: number;
}

/** An error the next request(s) get instead of being served. */
export interface TwilioPeerFailure {
  status: number;
  code: number;
  message?: string;
  /** Sent as the Retry-After header. */
  retryAfter?: string;
  /** Wait this long before answering (to provoke a client timeout). */
  delayMs?: number;
}

export interface StatusCallbackOptions {
  /** Twilio's ErrorCode for undelivered/failed. */
  errorCode?: string;
  /**
   * Where the request physically goes: this base URL plus the callback's path and query, as a
   * reverse proxy would forward it. The signature still covers the callback URL Twilio was given.
   */
  deliverTo?: string;
  /** Sign this URL instead of the callback URL. */
  signUrl?: string;
  /** Sign with this token instead of the account's. */
  signWith?: string;
  /** Send this header value instead (null: no signature header at all). */
  signature?: string | null;
}

const DEFAULT_MESSAGES: Record<number, string> = {
  20003: 'Authenticate',
  20404: 'The requested resource was not found',
  20429: 'Too Many Requests',
  20500: 'Internal Server Error',
  21211: "The 'To' number is not a valid phone number.",
  21602: 'Message body is required.',
  21603: "A 'From' phone number is required.",
  21604: "A 'To' phone number is required.",
  21610: 'Attempt to send to unsubscribed recipient',
};

const API_VERSION = '2010-04-01';

export class TwilioPeer {
  readonly requests: TwilioPeerRequest[] = [];
  readonly messages = new Map<string, TwilioPeerMessage>();
  private readonly failures: TwilioPeerFailure[] = [];
  /** How late a created message is answered (see `slowDown`). */
  private answerDelayMs = 0;
  /** Where each created message's status is reported at once, as Twilio does (see `reportEvery`). */
  private reporting: { status: string; deliverTo: string } | null = null;
  /** Status callbacks sent by `reportEvery`, with Herald's answer. */
  readonly reports: { sid: string; status: number }[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly accountSid: string,
    readonly authToken: string,
  ) {}

  static async start(credentials: { accountSid?: string; authToken?: string } = {}): Promise<TwilioPeer> {
    const accountSid = credentials.accountSid ?? `AC${randomBytes(16).toString('hex')}`;
    const authToken = credentials.authToken ?? randomBytes(16).toString('hex');
    const holder: { peer?: TwilioPeer } = {};
    const server = createServer((req, res) => {
      holder.peer!.handle(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.peer = new TwilioPeer(server, `http://127.0.0.1:${port}`, accountSid, authToken);
    return holder.peer;
  }

  /**
   * From now on a message is created (and counted as sent) at once but answered `ms` later, as a
   * slow API is: a client gone meanwhile has sent a message it never heard about.
   */
  slowDown(ms: number): void {
    this.answerDelayMs = ms;
  }

  /**
   * From now on every created message with a StatusCallback has `status` reported to it right
   * away, as Twilio reports `queued`/`sent` within moments, before the create request is answered;
   * `deliverTo` replaces the callback's origin (the Herald API process that serves it).
   */
  reportEvery(status: string, deliverTo: string): void {
    this.reporting = { status, deliverTo };
  }

  /** Answer the next `times` Messages requests with this error. */
  failNext(failure: TwilioPeerFailure, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(failure);
  }

  /** Requests to the Messages resource that were sent to `to`. */
  requestsTo(to: string): TwilioPeerRequest[] {
    return this.requests.filter((request) => request.params.To === to);
  }

  /** POSTs a status callback for message `sid`, as Twilio would, and returns the answer. */
  async sendStatusCallback(sid: string, messageStatus: string, options: StatusCallbackOptions = {}): Promise<{ status: number; body: string }> {
    const message = this.messages.get(sid);
    if (!message?.statusCallback) throw new Error(`message ${sid} is unknown or had no StatusCallback`);
    const params: Record<string, string> = {
      AccountSid: this.accountSid,
      ApiVersion: API_VERSION,
      From: message.from ?? '+15005550006',
      MessageSid: sid,
      MessageStatus: messageStatus,
      SmsSid: sid,
      SmsStatus: messageStatus,
      To: message.to,
      ...(message.messagingServiceSid ? { MessagingServiceSid: message.messagingServiceSid } : {}),
      ...(options.errorCode ? { ErrorCode: options.errorCode } : {}),
    };
    const callback = new URL(message.statusCallback);
    const target = options.deliverTo ? `${options.deliverTo.replace(/\/+$/, '')}${callback.pathname}${callback.search}` : message.statusCallback;
    const signature =
      options.signature !== undefined ? options.signature : sign(options.signWith ?? this.authToken, options.signUrl ?? message.statusCallback, params);
    const response = await fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'user-agent': 'TwilioProxy/1.1',
        ...(signature === null ? {} : { 'x-twilio-signature': signature }),
      },
      body: new URLSearchParams(params).toString(),
    });
    return { status: response.status, body: await response.text() };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', this.url).pathname;
    const params = Object.fromEntries(new URLSearchParams(raw));
    const authorized = this.authorized(req.headers.authorization);
    const record: TwilioPeerRequest = { at: Date.now(), method: req.method ?? '', path, authorized, params, status: 0 };
    this.requests.push(record);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, code: number, message = DEFAULT_MESSAGES[code] ?? 'Error', headers: Record<string, string> = {}) =>
      answer(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);

    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (!match || req.method !== 'POST') return fail(404, 20404);
    if (!authorized || decodeURIComponent(match[1]) !== this.accountSid) return fail(401, 20003);

    const failure = this.failures.shift();
    if (failure) {
      if (failure.delayMs) await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
      return fail(failure.status, failure.code, failure.message, failure.retryAfter ? { 'retry-after': failure.retryAfter } : {});
    }

    if (!params.To) return fail(400, 21604);
    if (!/^\+[1-9]\d{6,14}$/.test(params.To)) return fail(400, 21211, `The 'To' number ${params.To} is not a valid phone number.`);
    if (!params.From && !params.MessagingServiceSid) return fail(400, 21603);
    if (!params.Body) return fail(400, 21602);

    const sid = `SM${randomBytes(16).toString('hex')}`;
    const message: TwilioPeerMessage = {
      sid,
      to: params.To,
      from: params.From ?? null,
      messagingServiceSid: params.MessagingServiceSid ?? null,
      body: params.Body,
      statusCallback: params.StatusCallback ?? null,
    };
    this.messages.set(sid, message);
    if (this.reporting && message.statusCallback) {
      const { status, deliverTo } = this.reporting;
      void this.sendStatusCallback(sid, status, { deliverTo }).then(
        (reply) => this.reports.push({ sid, status: reply.status }),
        () => this.reports.push({ sid, status: 0 }),
      );
    }
    if (this.answerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.answerDelayMs));
    const now = new Date().toUTCString().replace('GMT', '+0000');
    const uri = `/${API_VERSION}/Accounts/${this.accountSid}/Messages/${sid}.json`;
    answer(201, {
      account_sid: this.accountSid,
      api_version: API_VERSION,
      body: message.body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: message.from,
      messaging_service_sid: message.messagingServiceSid,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid,
      status: message.messagingServiceSid ? 'accepted' : 'queued',
      subresource_uris: { media: uri.replace('.json', '/Media.json') },
      to: message.to,
      uri,
    });
  }

  private authorized(header: string | undefined): boolean {
    if (!header?.startsWith('Basic ')) return false;
    const given = Buffer.from(header.slice(6), 'base64');
    const expected = Buffer.from(`${this.accountSid}:${this.authToken}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** Twilio's request signature, written here independently of Herald's: HMAC-SHA1 over URL + sorted key/value pairs. */
function sign(authToken: string, url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((key) => key + params[key]).join('');
  return createHmac('sha1', authToken).update(data).digest('base64');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
