import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { LoggerOptions } from 'pino';
import { HeraldConfig } from '../config/herald-config';

/** Personal data and secrets never reach the logs, at any depth we write them. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'req.body',
  ...['email', 'phone', 'token', 'accessToken', 'password', 'secret', 'text', 'body', 'html', 'message_body', 'chatId', 'connectionParams'].flatMap((key) => [
    key,
    `*.${key}`,
    `*.*.${key}`,
  ]),
];

/** A token in the address (the queue dashboard's `?token=`) is a secret too; redaction paths cannot reach inside a string. */
export function withoutQueryToken(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

const redactRequestUrl = (req: { url?: unknown }) => (typeof req?.url === 'string' ? { ...req, url: withoutQueryToken(req.url) } : req);

export function pinoOptions(config: HeraldConfig): LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { req: redactRequestUrl },
    base: { service: 'herald', role: config.HERALD_ROLE },
  };
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [HeraldConfig],
      useFactory: (config: HeraldConfig) => ({
        pinoHttp: { ...pinoOptions(config), autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' } },
      }),
    }),
  ],
})
export class LoggingModule {}
