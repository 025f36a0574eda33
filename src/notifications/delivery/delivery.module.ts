import { MikroOrmModule } from '@mikro-orm/nestjs';
import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Booking } from '../../bookings/booking.entity';
import { HeraldConfig, ProcessRole } from '../../core/config/herald-config';
import { PreferencesStoreModule } from '../../preferences/preferences-store.module';
import { User } from '../../users/user.entity';
import { CHANNEL_SENDERS, ChannelRegistry } from '../channels/channel-registry';
import { ChannelSender } from '../channels/channel-sender';
import { InAppSender } from '../channels/in-app.sender';
import { OutboxReader } from '../channels/outbox';
import { Notification } from '../notification.entity';
import { PlanningModule } from '../planning/planning.module';
import { NotificationQueueModule } from '../queue/notification-queue.module';
import { MessageRenderer } from '../rendering/message-renderer';
import { TemplateMessageRenderer } from '../../templates/template-message-renderer';
import { TemplatesModule } from '../../templates/templates.module';
import { ChannelConsumers } from './channel-consumers';
import { DeliveryService } from './delivery.service';
import { Dispatcher } from './dispatcher';
import { MaintenanceService } from './maintenance.service';
import { NotificationTicks } from './notification-ticks';
import { NotificationsProcessor } from './notifications.processor';

/**
 * Sending notifications: delivery, channels, rendering and queue maintenance. Every process
 * can deliver in-process (the CLI does); only workers consume the queue and only schedulers tick.
 */
@Module({})
export class DeliveryModule {
  static forConfig(config: HeraldConfig): DynamicModule {
    return {
      module: DeliveryModule,
      imports: [DiscoveryModule, MikroOrmModule.forFeature([Notification, Booking, User]), NotificationQueueModule, PlanningModule, PreferencesStoreModule, TemplatesModule],
      providers: [
        DeliveryService,
        MaintenanceService,
        // Both check the process role at start-up: consumers run on workers, the dispatcher on workers and schedulers.
        Dispatcher,
        ChannelConsumers,
        ChannelRegistry,
        InAppSender,
        OutboxReader,
        // Channel modules' senders are discovered; this list only replaces them (tests).
        { provide: CHANNEL_SENDERS, useValue: [] satisfies ChannelSender[] },
        { provide: MessageRenderer, useExisting: TemplateMessageRenderer },
        ...(config.runs(ProcessRole.Worker) ? [NotificationsProcessor] : []),
        ...(config.runs(ProcessRole.Scheduler) ? [NotificationTicks] : []),
      ],
      exports: [DeliveryService, MaintenanceService, Dispatcher, OutboxReader, MessageRenderer, ChannelRegistry],
    };
  }
}
