import { Inject, Injectable, Optional } from '@nestjs/common';
import { HeraldConfig } from '../../core/config/herald-config';

/** Milliseconds one Messages request may take before it is abandoned (retryable). */
export const TWILIO_TIMEOUT_MS = Symbol('TWILIO_TIMEOUT_MS');
const DEFAULT_TIMEOUT_MS = 10_000;

export interface TwilioMessageRequest {
  /** E.164 recipient. */
  to: string;
  body: string;
  /** Where Twilio reports the message's delivery status. */
  statusCallback?: string;
}

/** The parts of Twilio's Message resource Herald uses. */
export interface TwilioMessage {
  /** SM… (or MM…) id of the message. */
  sid: string;
  status: string;
}

/** Why a Messages request did not create a message. */
export type TwilioFailure =
  /** Twilio answered with an error status; `code` and `message` from its body `{ code, message, more_info, status }`. */
  | { kind: 'api'; httpStatus: number; code: number | null; message: string; retryAfterMs?: number }
  /** No answer: connection refused or reset, DNS, TLS. */
  | { kind: 'network'; message: string }
  | { kind: 'timeout'; afterMs: number };

export class TwilioRequestError extends Error {
  constructor(readonly failure: TwilioFailure) {
    super(describeFailure(failure));
    this.name = 'TwilioRequestError';
  }
}

/**
 * Twilio's REST API for outgoing messages, over Node's fetch: one POST to
 * `{TWILIO_API_BASE}/2010-04-01/Accounts/{Sid}/Messages.json`, form-encoded, HTTP Basic auth
 * with the account SID and auth token. Knows the wire format, nothing about notifications.
 */
@Injectable()
export class TwilioClient {
  constructor(
    private readonly config: HeraldConfig,
    @Optional() @Inject(TWILIO_TIMEOUT_MS) private readonly timeoutMs: number = DEFAULT_TIMEOUT_MS,
  ) {}

  /** Account SID, auth token and sender are all set. */
  get configured(): boolean {
    return !!(this.config.TWILIO_ACCOUNT_SID && this.config.TWILIO_AUTH_TOKEN && this.config.TWILIO_FROM);
  }

  /** Creates the message, or throws TwilioRequestError. */
  async createMessage(request: TwilioMessageRequest): Promise<TwilioMessage> {
    const { TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: token, TWILIO_FROM: from } = this.config;
    if (!sid || !token || !from) throw new Error('Twilio is not configured');
    const form = new URLSearchParams({ To: request.to, Body: request.body });
    // A Messaging Service picks the sender number itself.
    form.set(from.startsWith('MG') ? 'MessagingServiceSid' : 'From', from);
    if (request.statusCallback) form.set('StatusCallback', request.statusCallback);

    const url = `${this.config.TWILIO_API_BASE.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Messages.json`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const name = (error as { name?: unknown } | null)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new TwilioRequestError({ kind: 'timeout', afterMs: this.timeoutMs });
      }
      throw new TwilioRequestError({ kind: 'network', message: networkCause(error) });
    }

    const json = parseJson(text);
    if (!response.ok) {
      throw new TwilioRequestError({
        kind: 'api',
        httpStatus: response.status,
        code: typeof json?.code === 'number' ? json.code : null,
        message: typeof json?.message === 'string' ? json.message : response.statusText || `HTTP ${response.status}`,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
      });
    }
    // Accepted: the message exists at Twilio even if its answer is odd, so never report a failure (a retry would send twice).
    return { sid: typeof json?.sid === 'string' ? json.sid : '', status: typeof json?.status === 'string' ? json.status : 'unknown' };
  }
}

/** Retry-After as delta-seconds or an HTTP date, in milliseconds from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * fetch's "fetch failed" hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, …). Read by
 * shape: fetch's errors may come from another realm, where `instanceof Error` is false.
 */
function networkCause(error: unknown): string {
  const { message, cause } = (error ?? {}) as { message?: unknown; cause?: { code?: unknown } };
  if (typeof cause?.code === 'string') return cause.code;
  return typeof message === 'string' ? message : String(error);
}

function describeFailure(failure: TwilioFailure): string {
  switch (failure.kind) {
    case 'api':
      return `Twilio answered ${failure.httpStatus}${failure.code === null ? '' : ` (${failure.code})`}: ${failure.message}`;
    case 'network':
      return `Twilio unreachable: ${failure.message}`;
    case 'timeout':
      return `Twilio did not answer within ${failure.afterMs} ms`;
  }
}
