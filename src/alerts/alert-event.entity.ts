import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { BaseEntity } from '../core/database/base.entity';
import { JsonScalar } from '../core/graphql/json.scalar';
import { BusinessAlert } from './business-alert.entity';

export enum AlertEventKind {
  raised = 'raised',
  seen_again = 'seen_again',
  escalated = 'escalated',
  acknowledged = 'acknowledged',
  assigned = 'assigned',
  resolved = 'resolved',
  auto_resolved = 'auto_resolved',
  ignored = 'ignored',
}
registerEnumType(AlertEventKind, { name: 'AlertEventKind' });

/** One change of an alert and who made it (null: Herald's own scan): the alert's audit trail. */
@ObjectType()
@Entity({ tableName: 'alert_events' })
@Index({ properties: ['alert', 'createdAt'] })
export class AlertEvent extends BaseEntity<'actorId' | 'details'> {
  @Field(() => ID)
  declare id: string;

  @ManyToOne(() => BusinessAlert, { deleteRule: 'cascade' })
  alert: BusinessAlert;

  @Field(() => AlertEventKind)
  @Enum({ items: () => AlertEventKind })
  kind: AlertEventKind;

  @Field(() => ID, { nullable: true, description: 'Who made the change; null for Herald itself' })
  @Property({ type: 'uuid', nullable: true })
  actorId: string | null = null;

  @Field(() => JsonScalar)
  @Property({ type: 'jsonb' })
  details: Record<string, unknown> = {};

  @Field({ description: 'When it happened' })
  declare createdAt: Date;
}
