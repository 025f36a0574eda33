import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { BookingsModule } from '../bookings/bookings.module';
import { UsersModule } from '../users/users.module';
import { TemplateEngine } from './engine/template-engine';
import { MessageTemplate } from './message-template.entity';
import { TemplateLibrary } from './template-library';
import { TemplateMessageRenderer } from './template-message-renderer';
import { TemplatesResolver } from './templates.resolver';
import { TemplatesService } from './templates.service';

/**
 * The words of every message: shipped templates per type, channel and language, saved versions
 * over them, and the renderer delivery uses.
 */
@Module({
  imports: [MikroOrmModule.forFeature([MessageTemplate]), UsersModule, BookingsModule],
  providers: [TemplateEngine, TemplateLibrary, TemplateMessageRenderer, TemplatesService, TemplatesResolver],
  exports: [TemplateMessageRenderer, TemplatesService],
})
export class TemplatesModule {}
