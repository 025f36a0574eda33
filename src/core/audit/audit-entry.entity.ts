import { Entity, Index, Property } from '@mikro-orm/core';
import { BaseEntity } from '../database/base.entity';

/**
 * One recorded operator action: who did what to which record, and when. Written in the same
 * transaction as the action, so no action goes unrecorded. The actor is kept as a plain id:
 * the record outlives the user.
 */
@Entity({ tableName: 'audit_entries' })
@Index({ properties: ['subjectType', 'subjectId'] })
export class AuditEntry extends BaseEntity<'actorId' | 'details'> {
  @Property({ type: 'uuid', nullable: true })
  actorId: string | null = null;

  /** What was done, e.g. `notification.history_deleted`. */
  @Property({ type: 'text' })
  action: string;

  @Property({ type: 'text' })
  subjectType: string;

  @Property({ type: 'text' })
  subjectId: string;

  @Property({ type: 'jsonb' })
  details: Record<string, unknown> = {};
}
