import { EntityManager } from '@mikro-orm/postgresql';
import { AuditEntry } from './audit-entry.entity';

/** What an audited action says about itself. */
export interface AuditRecord {
  actorId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  details?: Record<string, unknown>;
}

/** Adds the record to `em`'s unit of work: it is written with the action's own flush or commit. */
export function recordAudit(em: EntityManager, record: AuditRecord): AuditEntry {
  return em.create(AuditEntry, { ...record, details: record.details ?? {} });
}
