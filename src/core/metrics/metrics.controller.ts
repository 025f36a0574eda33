import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';
import { Registry } from 'prom-client';
import { Public } from '../../auth/access.decorators';
import { MetricsTokenGuard } from './metrics-token.guard';

/** The Prometheus scrape endpoint (its path comes from PrometheusModule), on this app's own registry. */
@Controller()
export class MetricsController extends PrometheusController {
  constructor(private readonly registry: Registry) {
    super();
  }

  /** Public to the bearer-JWT guard: the metrics token guard decides. */
  @Get()
  @Public()
  @UseGuards(MetricsTokenGuard)
  override async index(@Res({ passthrough: true }) response: Response): Promise<string> {
    response.header('Content-Type', this.registry.contentType);
    return this.registry.metrics();
  }
}
