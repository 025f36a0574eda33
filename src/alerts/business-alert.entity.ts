import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { JsonScalar } from '../core/graphql/json.scalar';
import { BaseEntity } from '../core/database/base.entity';
import { User } from '../users/user.entity';

export enum AlertType {
  signature_pending = 'signature_pending',
  payment_on_hold = 'payment_on_hold',
  booking_overdue = 'booking_overdue',
  /** Herald watching itself: messages of a channel waiting past their due time. */
  delivery_backlog = 'delivery_backlog',
  /** A channel failing a large share of its sends. */
  channel_failing = 'channel_failing',
  /** The booking event relay behind: changes not yet planned for. */
  relay_behind = 'relay_behind',
  /** Reminders going out late: the p95 of their lateness over a threshold. */
  reminders_late = 'reminders_late',
  /** A channel's provider unreachable: messages retrying after errors and none getting through. */
  channel_unreachable = 'channel_unreachable',
  manual = 'manual',
}
registerEnumType(AlertType, { name: 'AlertType' });

/** In rising order: a comparison of their positions tells an escalation. */
export enum AlertSeverity {
  low = 'low',
  medium = 'medium',
  high = 'high',
  critical = 'critical',
}
registerEnumType(AlertSeverity, { name: 'AlertSeverity' });
export const SEVERITY_ORDER: readonly AlertSeverity[] = [AlertSeverity.low, AlertSeverity.medium, AlertSeverity.high, AlertSeverity.critical];

export enum AlertStatus {
  active = 'active',
  acknowledged = 'acknowledged',
  resolved = 'resolved',
  ignored = 'ignored',
}
registerEnumType(AlertStatus, { name: 'AlertStatus' });
/** The live topic every alert change is announced on (`alertChanged`). */
export const ALERT_CHANGED_TOPIC = 'alertChanged';

/** What an announcement carries: enough to filter on; subscribers read the alert itself. */
export interface AlertChanged {
  alertId: string;
  type: AlertType;
  severity: AlertSeverity;
}

/** Statuses of an alert still open: at most one per dedup key (a unique index in the migration). */
export const OPEN_STATUSES: readonly AlertStatus[] = [AlertStatus.active, AlertStatus.acknowledged, AlertStatus.ignored];

/**
 * A condition someone must see to: one open alert per condition (its dedup key), seen again by
 * every scan that still finds it, resolved when the condition clears or by hand.
 */
@ObjectType()
@Entity({ tableName: 'business_alerts' })
@Index({ properties: ['status', 'severity'] })
export class BusinessAlert extends BaseEntity<
  'description' | 'occurrences' | 'noticesSent' | 'lastNoticeAt' | 'lastNoticeSeverity' | 'assignee' | 'acknowledgedBy' | 'acknowledgedAt' | 'resolvedBy' | 'resolvedAt' | 'resolutionNote' | 'ignoredUntil' | 'ignoreReason' | 'metadata' | 'status'
> {
  @Field(() => ID)
  declare id: string;

  @Field(() => AlertType)
  @Enum({ items: () => AlertType })
  type: AlertType;

  @Field(() => AlertSeverity)
  @Enum({ items: () => AlertSeverity })
  severity: AlertSeverity;

  @Field(() => AlertStatus)
  @Enum({ items: () => AlertStatus })
  status: AlertStatus = AlertStatus.active;

  @Field()
  @Property({ type: 'text' })
  title: string;

  @Field()
  @Property({ type: 'text' })
  description: string = '';

  /** Names the condition: one open alert per key. */
  @Field()
  @Property({ type: 'text' })
  dedupKey: string;

  @Field(() => Int, { description: 'How many scans found the condition' })
  @Property({ type: 'integer' })
  occurrences: number = 1;

  @Field()
  @Property({ type: 'timestamptz' })
  firstSeenAt: Date;

  @Field()
  @Property({ type: 'timestamptz' })
  lastSeenAt: Date;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  assignee: User | null = null;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  acknowledgedBy: User | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  acknowledgedAt: Date | null = null;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  resolvedBy: User | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  resolvedAt: Date | null = null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  resolutionNote: string | null = null;

  @Field(() => Date, { nullable: true, description: 'Silenced until then' })
  @Property({ type: 'timestamptz', nullable: true })
  ignoredUntil: Date | null = null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  ignoreReason: string | null = null;

  @Field(() => JsonScalar)
  @Property({ type: 'jsonb' })
  metadata: Record<string, unknown> = {};

  @Field(() => Int, { description: 'How many times staff were notified of it' })
  @Property({ type: 'integer' })
  noticesSent: number = 0;

  @Field(() => Date, { nullable: true, description: 'When staff were last notified' })
  @Property({ type: 'timestamptz', nullable: true })
  lastNoticeAt: Date | null = null;

  /** The severity the last notice told: a higher one notifies again at once. */
  @Enum({ items: () => AlertSeverity, nullable: true })
  lastNoticeSeverity: AlertSeverity | null = null;
}
