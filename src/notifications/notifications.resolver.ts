import { Args, ArgsType, Field, Int, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { IsBoolean, IsEnum, IsInt, IsOptional, Max, Min } from 'class-validator';
import { CurrentUser, Roles } from '../auth/access.decorators';
import { ALL_ROLES, AuthUser, Role } from '../auth/role';
import { LiveEvents } from '../core/graphql/live-events';
import { PageInput } from '../core/pagination/pagination';
import { IdArg } from '../core/validation/id-arg';
import { InboxFilter, NotificationsFilter } from './dto/notification.input';
import { NotificationConnection, NotificationStat, OutboxMessage, SendPendingResult, TestNotificationResult } from './dto/notification.output';
import { OutboxReader } from './channels/outbox';
import { MaintenanceService } from './delivery/maintenance.service';
import { Notification, NotificationChannel, NotificationReceived, notificationReceivedTopic, NotificationType } from './notification.entity';
import { NotificationsService } from './notifications.service';

@ArgsType()
class StatsArgs {
  @Field(() => Int, { defaultValue: 7 })
  @IsInt()
  @Min(1)
  @Max(366)
  days: number = 7;

  @Field({ defaultValue: false, description: 'Also split the counts by notification type' })
  @IsBoolean()
  byType: boolean = false;
}

@ArgsType()
class TestNotificationArgs {
  @Field(() => NotificationChannel)
  @IsEnum(NotificationChannel)
  channel: NotificationChannel;

  @Field(() => NotificationType, { defaultValue: NotificationType.booking_reminder })
  @IsEnum(NotificationType)
  type: NotificationType = NotificationType.booking_reminder;
}

@ArgsType()
class ProcessPendingArgs {
  @Field(() => Int, { defaultValue: 100 })
  @IsInt()
  @Min(1)
  @Max(10_000)
  max: number = 100;
}

@ArgsType()
class OutboxArgs {
  @Field(() => NotificationChannel, { nullable: true })
  @IsOptional()
  @IsEnum(NotificationChannel)
  channel?: NotificationChannel;

  @Field(() => Int, { defaultValue: 50 })
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 50;
}

@Resolver(() => Notification)
export class NotificationsResolver {
  constructor(
    private readonly notificationsService: NotificationsService,
    private readonly maintenance: MaintenanceService,
    private readonly outbox: OutboxReader,
    private readonly live: LiveEvents,
  ) {}

  @Query(() => NotificationConnection, { description: 'Every notification, newest due first' })
  @Roles(Role.ops)
  notifications(
    @Args('filter', { type: () => NotificationsFilter, nullable: true }) filter?: NotificationsFilter,
    @Args('page', { type: () => PageInput, nullable: true }) page?: PageInput,
  ): Promise<NotificationConnection> {
    return this.notificationsService.list(filter, page);
  }

  @Query(() => [Notification], { description: "A booking's messages in time order; parties see the ones addressed to them" })
  @Roles(Role.customer, Role.provider, Role.ops)
  bookingNotifications(@CurrentUser() caller: AuthUser, @IdArg('bookingId') bookingId: string): Promise<Notification[]> {
    return this.notificationsService.bookingTimeline(caller, bookingId);
  }

  @Query(() => NotificationConnection, { description: 'Your in-app inbox, newest first' })
  @Roles(...ALL_ROLES)
  myNotifications(
    @CurrentUser() caller: AuthUser,
    @Args('filter', { type: () => InboxFilter, nullable: true }) filter?: InboxFilter,
    @Args('page', { type: () => PageInput, nullable: true }) page?: PageInput,
  ): Promise<NotificationConnection> {
    return this.notificationsService.inbox(caller, filter, page);
  }

  @Mutation(() => Notification)
  @Roles(...ALL_ROLES)
  markNotificationRead(@CurrentUser() caller: AuthUser, @IdArg() id: string): Promise<Notification> {
    return this.notificationsService.markRead(caller, id);
  }

  @Mutation(() => Notification, { description: 'Send a failed, skipped or cancelled notification again, now' })
  @Roles(Role.ops)
  retryNotification(@IdArg() id: string): Promise<Notification> {
    return this.notificationsService.retry(id);
  }

  @Mutation(() => Notification, { description: 'Stop a notification that has not been sent yet' })
  @Roles(Role.ops)
  cancelNotification(@IdArg() id: string): Promise<Notification> {
    return this.notificationsService.cancel(id);
  }

  @Query(() => [NotificationStat], { description: 'Counts per channel and status (and type, with byType) of notifications due in the last `days` days' })
  @Roles(Role.ops)
  notificationStats(@Args() { days, byType }: StatsArgs): Promise<NotificationStat[]> {
    return this.notificationsService.stats(days, byType);
  }

  @Mutation(() => Notification, {
    description: 'Deletes a finished notification from the history: its words are erased and it leaves every list (counts keep it); recorded in the audit log',
  })
  @Roles(Role.admin)
  deleteNotificationHistory(@CurrentUser() caller: AuthUser, @IdArg() id: string): Promise<Notification> {
    return this.notificationsService.deleteHistory(caller, id);
  }

  @Mutation(() => TestNotificationResult, { description: 'Sends you a sample message of `type` (a reminder by default) on `channel` now, in your language' })
  @Roles(...ALL_ROLES)
  sendTestNotification(@CurrentUser() caller: AuthUser, @Args() { channel, type }: TestNotificationArgs): Promise<TestNotificationResult> {
    return this.notificationsService.sendTest(caller, channel, type);
  }

  @Mutation(() => SendPendingResult, { description: 'Send up to `max` due notifications now, in this process' })
  @Roles(Role.admin)
  processPendingNotifications(@Args() { max }: ProcessPendingArgs): Promise<SendPendingResult> {
    return this.maintenance.sendPending({ max, retryFailed: false, dryRun: false });
  }

  @Query(() => [OutboxMessage], { description: 'Messages that channels without credentials wrote to the development outbox, newest first' })
  @Roles(Role.admin)
  outboxMessages(@Args() { channel, limit }: OutboxArgs): Promise<OutboxMessage[]> {
    return this.outbox.list({ channel, limit });
  }

  @Subscription(() => Notification, {
    description: 'Your in-app messages as they are delivered',
    resolve(this: NotificationsResolver, payload: NotificationReceived) {
      return this.notificationsService.findDetached(payload.notificationId);
    },
  })
  @Roles(...ALL_ROLES)
  notificationReceived(@CurrentUser() caller: AuthUser): AsyncIterableIterator<NotificationReceived> {
    // Only the caller's own topic: Redis never hands this subscription another user's messages.
    return this.live.subscribe<NotificationReceived>(notificationReceivedTopic(caller.id));
  }
}
