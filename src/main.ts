import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ConfigValidationError, HeraldConfig, loadConfig, ProcessRole } from './core/config/herald-config';
import { prepareHttpApp } from './core/graphql/http-app';
import { HealthModule } from './core/health/health.module';
import { READY_MESSAGE } from './core/process/ready-message';
import { ChannelConsumers } from './notifications/delivery/channel-consumers';

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
const HEALTH_PATH = '/health';

/** A worker or scheduler that answers its orchestrator's health check: Herald's modules and /health, nothing else over HTTP. */
@Module({})
class ProcessWithHealth {
  static of(herald: DynamicModule): DynamicModule {
    return { module: ProcessWithHealth, imports: [herald, HealthModule] };
  }
}

/** Starts Herald in the role the configuration names. */
export async function startHerald(config: HeraldConfig = loadConfig()): Promise<INestApplicationContext> {
  const module = AppModule.forConfig(config);
  if (config.runs(ProcessRole.Api)) {
    const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true });
    prepareHttpApp(app, config);
    app.useLogger(app.get(Logger));
    await app.listen(config.PORT, config.HOST);
    return app;
  }
  if (config.HEALTH_PORT !== undefined) {
    const app = await NestFactory.create<NestExpressApplication>(ProcessWithHealth.of(module), { bufferLogs: true });
    app.useLogger(app.get(Logger));
    // Routes other modules register for the API (the unsubscribe endpoint) are not served here.
    app.use((request: Request, response: Response, next: NextFunction) => (request.path === HEALTH_PATH ? next() : response.status(404).end()));
    await app.listen(config.HEALTH_PORT, config.HOST);
    process.send?.(READY_MESSAGE);
    return app;
  }
  const context = await NestFactory.createApplicationContext(module, { bufferLogs: true });
  context.useLogger(context.get(Logger));
  process.send?.(READY_MESSAGE);
  return context;
}

/**
 * SIGTERM or SIGINT stops Herald and exits 0: deliveries drain first (ChannelConsumers.drain, at
 * most SHUTDOWN_DRAIN_TIMEOUT), while providers' connections are still open, since Nest closes
 * modules before it runs any shutdown hook; then the app closes. A send still unfinished at the
 * deadline must not be cut off and recorded as failed: the process exits at once, its row keeping
 * its lease. Closing awaits the passes in progress (the relay may be planning a backlog, batch
 * after batch); every loop is safe to stop anywhere, so after SHUTDOWN_DRAIN_TIMEOUT more the
 * process exits anyway. A second signal ends it at once.
 */
function stopOnSignals(app: INestApplicationContext): void {
  const logger = app.get(Logger);
  const { shutdownDrainMs } = app.get(HeraldConfig);
  const stop = async (signal: NodeJS.Signals) => {
    logger.log(`${signal}: stopping`);
    try {
      if (!(await app.get(ChannelConsumers).drain())) process.exit(0);
      setTimeout(() => {
        logger.warn(`Still closing after ${shutdownDrainMs} ms (SHUTDOWN_DRAIN_TIMEOUT); exiting`);
        process.exit(0);
      }, shutdownDrainMs).unref();
      await app.close();
      process.exit(0);
    } catch (error) {
      console.error(error);
      process.exit(1);
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    for (const each of STOP_SIGNALS) process.removeListener(each, onSignal);
    void stop(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
}

if (require.main === module) {
  startHerald()
    .then(stopOnSignals)
    .catch((error: unknown) => {
      console.error(error instanceof ConfigValidationError ? error.message : error);
      process.exit(1);
    });
}
