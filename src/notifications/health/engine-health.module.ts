import { Module } from '@nestjs/common';
import { EngineHealth } from './engine-health.service';

/** The engine's health figures, for modules that watch it (alerts) without the whole engine. */
@Module({ providers: [EngineHealth], exports: [EngineHealth] })
export class EngineHealthModule {}
