import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { LoggerOptions } from 'pino';
import { HeraldConfig } from '../config/herald-config';

/** Personal data and secrets never reach the logs, at any depth we write them. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  ...['email', 'phone', 'token', 'accessToken', 'password', 'secret', 'text', 'body', 'html', 'message_body', 'chatId', 'connectionParams'].flatMap((key) => [
    key,
    `*.${key}`,
    `*.*.${key}`,
  ]),
];

export function pinoOptions(config: HeraldConfig): LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'herald', role: config.HERALD_ROLE },
  };
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [HeraldConfig],
      useFactory: (config: HeraldConfig) => ({
        pinoHttp: { ...pinoOptions(config), autoLogging: { ignore: (req) => req.url === '/health' } },
      }),
    }),
  ],
})
export class LoggingModule {}
