import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ConfigValidationError, HeraldConfig, loadConfig, ProcessRole } from './core/config/herald-config';
import { prepareHttpApp } from './core/graphql/http-app';
import { READY_MESSAGE } from './core/process/ready-message';

/** Starts Herald in the role the configuration names. */
export async function startHerald(config: HeraldConfig = loadConfig()): Promise<INestApplicationContext> {
  const module = AppModule.forConfig(config);
  if (config.runs(ProcessRole.Api)) {
    const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true });
    prepareHttpApp(app, config);
    app.useLogger(app.get(Logger));
    app.enableShutdownHooks();
    await app.listen(config.PORT, config.HOST);
    return app;
  }
  const context = await NestFactory.createApplicationContext(module, { bufferLogs: true });
  context.useLogger(context.get(Logger));
  context.enableShutdownHooks();
  process.send?.(READY_MESSAGE);
  return context;
}

if (require.main === module) {
  startHerald().catch((error: unknown) => {
    console.error(error instanceof ConfigValidationError ? error.message : error);
    process.exit(1);
  });
}
