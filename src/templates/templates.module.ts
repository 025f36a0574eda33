import { Module } from '@nestjs/common';

/** Filled by a later capability; present so the module map is complete from the start. */
@Module({})
export class TemplatesModule {}
