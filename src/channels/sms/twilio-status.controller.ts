import { Controller, ForbiddenException, Headers, HttpCode, HttpStatus, Logger, Post, Req, UnsupportedMediaTypeException } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { Request } from 'express';
import { Public } from '../../auth/access.decorators';
import { HeraldConfig } from '../../core/config/herald-config';
import { STATUS_NOTIFICATION_PARAM, TWILIO_STATUS_PATH } from './sms.sender';
import { SmsStore } from './sms.store';
import { isValidTwilioSignature, TwilioParams } from './twilio-signature';

/**
 * Twilio's message status callback (the StatusCallback Herald sets on every SMS). Public, but
 * only a request signed with the account's auth token is believed. Answers 204 to every signed
 * report, known message or not, so Twilio does not retry what Herald cannot use.
 */
@Controller()
export class TwilioStatusController {
  private readonly logger = new Logger(TwilioStatusController.name);

  constructor(
    private readonly config: HeraldConfig,
    private readonly store: SmsStore,
  ) {}

  @Post(TWILIO_STATUS_PATH)
  @Public()
  @HttpCode(HttpStatus.NO_CONTENT)
  async status(@Req() request: Request, @Headers('x-twilio-signature') signature: string | undefined): Promise<void> {
    if (!request.is('application/x-www-form-urlencoded')) throw new UnsupportedMediaTypeException('Expected application/x-www-form-urlencoded');
    const params = formParams(request.body);
    const token = this.config.TWILIO_AUTH_TOKEN;
    if (!token || !params || !isValidTwilioSignature(token, this.signedUrl(request), params, signature)) {
      this.logger.warn('Rejected a Twilio status callback without a valid signature');
      throw new ForbiddenException('Invalid Twilio signature');
    }

    const sid = single(params.MessageSid);
    const status = single(params.MessageStatus);
    if (!sid || !status) return;
    const named = request.query[STATUS_NOTIFICATION_PARAM];
    const notificationId = typeof named === 'string' && isUUID(named) ? named : undefined;
    const recorded = await this.store.recordDeliveryStatus(sid, status, notificationId);
    const errorCode = single(params.ErrorCode);
    this.logger.log(
      `Twilio status ${status}${errorCode ? ` (error ${errorCode})` : ''} for ${sid}: ${recorded ? 'recorded' : 'no notification to update'}`,
    );
  }

  /**
   * The URL Twilio called and signed: PUBLIC_BASE_URL (what Twilio sees, in front of any proxy)
   * plus this path and the query string. Without PUBLIC_BASE_URL, the URL this request reached.
   */
  private signedUrl(request: Request): string {
    const query = request.originalUrl.includes('?') ? request.originalUrl.slice(request.originalUrl.indexOf('?')) : '';
    const base = this.config.PUBLIC_BASE_URL?.replace(/\/+$/, '');
    return base ? `${base}${TWILIO_STATUS_PATH}${query}` : `${request.protocol}://${request.get('host') ?? ''}${request.originalUrl}`;
  }
}

/** The form body as flat name → value(s); null when it is anything else (Twilio never sends nested keys). */
function formParams(body: unknown): TwilioParams | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string') params[key] = value;
    else if (Array.isArray(value) && value.every((one) => typeof one === 'string')) params[key] = value as string[];
    else return null;
  }
  return params;
}

function single(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
