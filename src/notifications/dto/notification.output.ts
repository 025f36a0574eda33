import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { Paginated } from '../../core/pagination/pagination';
import { Notification, NotificationChannel, NotificationStatus, NotificationType } from '../notification.entity';

@ObjectType()
export class NotificationConnection extends Paginated(Notification) {}

@ObjectType({ description: 'How many notifications of a channel ended up in a status' })
export class NotificationStat {
  @Field(() => NotificationChannel)
  channel: NotificationChannel;

  @Field(() => NotificationType, { nullable: true, description: 'With byType: true' })
  type: NotificationType | null;

  @Field(() => NotificationStatus)
  status: NotificationStatus;

  @Field(() => Int)
  count: number;
}

@ObjectType({ description: 'A test message sent to you' })
export class TestNotificationResult {
  @Field(() => ID, { description: 'The id it was sent under (the outbox file is named by it)' })
  id: string;

  @Field(() => NotificationChannel)
  channel: NotificationChannel;

  @Field({ description: 'sender: the real provider; outbox: the development outbox' })
  route: string;

  @Field(() => String, { nullable: true })
  providerMessageId: string | null;

  @Field()
  subject: string;

  @Field()
  text: string;
}

@ObjectType()
export class PendingSendCandidate {
  @Field(() => ID)
  id: string;

  @Field(() => NotificationType)
  type: NotificationType;

  @Field(() => NotificationChannel)
  channel: NotificationChannel;

  @Field(() => ID)
  recipientId: string;

  @Field()
  dueAt: Date;
}

@ObjectType({ description: 'What one pass over due notifications did' })
export class SendPendingResult {
  @Field(() => Int)
  considered: number;

  @Field(() => Int)
  sent: number;

  @Field(() => Int)
  failed: number;

  @Field(() => Int)
  skipped: number;

  @Field(() => Int, { description: 'Hit a retryable error and will be tried again' })
  retried: number;

  @Field(() => Int, { description: 'Failed earlier and were given another go (retryFailed)' })
  requeued: number;

  @Field(() => [PendingSendCandidate], { description: 'Dry runs: what would have been sent' })
  wouldSend: PendingSendCandidate[];
}

@ObjectType({ description: 'A message a channel without credentials wrote to the development outbox' })
export class OutboxMessage {
  @Field(() => ID)
  notificationId: string;

  @Field(() => NotificationChannel)
  channel: NotificationChannel;

  @Field()
  to: string;

  @Field()
  subject: string;

  @Field()
  text: string;

  @Field(() => String, { nullable: true })
  html: string | null;

  @Field()
  createdAt: Date;
}
