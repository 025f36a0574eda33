import { DynamicModule, Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { Registry } from 'prom-client';
import { GraphQLDurationPlugin } from './graphql-duration.plugin';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';
import { MetricsTokenGuard } from './metrics-token.guard';

/**
 * Prometheus metrics at /metrics, on API processes. Each app gets its own registry (not
 * prom-client's global one), so two Herald apps in one process (tests) never clash.
 * Other modules add figures through `Metrics`.
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(): DynamicModule {
    const registry = new Registry();
    return {
      module: MetricsModule,
      imports: [
        PrometheusModule.register({ controller: MetricsController, path: '/metrics', defaultMetrics: { enabled: true, config: { register: registry } } }),
      ],
      providers: [{ provide: Registry, useValue: registry }, Metrics, MetricsTokenGuard, GraphQLDurationPlugin],
      exports: [Registry, Metrics],
    };
  }
}
