import { Command, CommandRunner, Option } from 'nest-commander';
import { MaintenanceService } from './delivery/maintenance.service';
import { NotificationPlanner } from './planning/notification-planner.service';

const positiveInt = (flag: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${flag} must be a positive whole number`);
  return parsed;
};

@Command({ name: 'notifications:send-pending', description: 'Send every notification that is due now' })
export class SendPendingCommand extends CommandRunner {
  constructor(private readonly maintenance: MaintenanceService) {
    super();
  }

  async run(_args: string[], options: { dryRun?: boolean; max?: number; retryFailed?: boolean }): Promise<void> {
    const result = await this.maintenance.sendPending({ max: options.max ?? 100, retryFailed: options.retryFailed ?? false, dryRun: options.dryRun ?? false });
    if (options.dryRun) {
      const requeue = options.retryFailed ? `, ${result.requeued} failed one(s) would get another go` : '';
      console.log(`Dry run: ${result.wouldSend.length} notification(s) would be sent${requeue}; nothing was changed.`);
      for (const item of result.wouldSend) console.log(`  ${item.dueAt.toISOString()}  ${item.type.padEnd(22)} ${item.channel.padEnd(8)} ${item.id}`);
      return;
    }
    console.log(
      `Considered ${result.considered}: sent ${result.sent}, failed ${result.failed}, skipped ${result.skipped}, ` +
        `will retry ${result.retried}; gave ${result.requeued} failed notification(s) another go.`,
    );
  }

  @Option({ flags: '--dry-run', description: 'Show what would be sent; change nothing' })
  parseDryRun(): boolean {
    return true;
  }

  @Option({ flags: '--max <n>', description: 'Send at most this many (default 100)' })
  parseMax(value: string): number {
    return positiveInt('--max')(value);
  }

  @Option({ flags: '--retry-failed', description: 'First give failed notifications with retries left another go' })
  parseRetryFailed(): boolean {
    return true;
  }
}

@Command({ name: 'notifications:schedule-all', description: 'Plan notifications for existing bookings (idempotent)' })
export class ScheduleAllCommand extends CommandRunner {
  constructor(private readonly planner: NotificationPlanner) {
    super();
  }

  async run(_args: string[], options: { daysAhead?: number; dryRun?: boolean }): Promise<void> {
    const result = await this.planner.scheduleAll({ daysAhead: options.daysAhead ?? 30, dryRun: options.dryRun ?? false });
    const verb = options.dryRun ? 'Dry run: would plan' : 'Planned';
    console.log(`${verb} ${result.planned} notification(s), ${result.skippedTooLate} too late to send${options.dryRun ? '; nothing was changed' : ''}.`);
  }

  @Option({ flags: '--days-ahead <n>', description: 'Bookings starting within this many days (default 30)' })
  parseDaysAhead(value: string): number {
    return positiveInt('--days-ahead')(value);
  }

  @Option({ flags: '--dry-run', description: 'Show what would be planned; change nothing' })
  parseDryRun(): boolean {
    return true;
  }
}

@Command({ name: 'notifications:reconcile', description: 'Promote notifications entering the horizon and put back sends whose lease ran out' })
export class ReconcileCommand extends CommandRunner {
  constructor(private readonly maintenance: MaintenanceService) {
    super();
  }

  async run(): Promise<void> {
    const { promoted, interrupted } = await this.maintenance.reconcile();
    console.log(`Queued ${promoted} notification(s) entering the horizon; put back ${interrupted} send(s) whose lease ran out.`);
  }
}

export const NOTIFICATION_COMMANDS = [SendPendingCommand, ScheduleAllCommand, ReconcileCommand];
