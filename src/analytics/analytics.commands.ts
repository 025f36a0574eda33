import { Command, CommandRunner, Option } from 'nest-commander';
import { ProgressBar, ProgressOutput } from '../core/cli/progress-bar';
import { InputError } from '../core/errors/herald-error';
import { datesBetween, isLocalDate } from './local-date';
import { PostalCodeAnalytics } from './postal-code-analytics.service';

/** A backfill longer than this is more likely a typo in a year than a wish. */
const BACKFILL_MAX_DAYS = 3660;

export interface BackfillSummary {
  days: number;
  rows: number;
}

/** Computes every date from `from` to `to` (both included), one statement per date, oldest first. */
export async function backfillPostalCodeAnalytics(analytics: PostalCodeAnalytics, from: string, to: string, progress: ProgressOutput): Promise<BackfillSummary> {
  const problems = [
    ...(isLocalDate(from) ? [] : [{ field: 'from', problems: ['must be a calendar date YYYY-MM-DD'] }]),
    ...(isLocalDate(to) ? [] : [{ field: 'to', problems: ['must be a calendar date YYYY-MM-DD'] }]),
  ];
  if (problems.length) throw new InputError('--from and --to must be calendar dates YYYY-MM-DD', problems);
  if (from > to) throw new InputError(`--from (${from}) must not be after --to (${to})`);
  const days = datesBetween(from, to);
  if (days.length > BACKFILL_MAX_DAYS) throw new InputError(`A backfill covers at most ${BACKFILL_MAX_DAYS} days; this one covers ${days.length}`);

  const bar = new ProgressBar(progress, days.length, 'days');
  let rows = 0;
  for (const [index, day] of days.entries()) {
    rows += (await analytics.computeDay(day)).postalCodes;
    bar.update(index + 1);
  }
  bar.finish();
  return { days: days.length, rows };
}

@Command({ name: 'analytics:backfill', description: 'Compute the postal-code analytics of every date in a range (reruns replace the rows)' })
export class BackfillAnalyticsCommand extends CommandRunner {
  constructor(private readonly analytics: PostalCodeAnalytics) {
    super();
  }

  async run(_args: string[], options: { from?: string; to?: string }): Promise<void> {
    if (!options.from || !options.to) throw new Error('--from YYYY-MM-DD and --to YYYY-MM-DD are required');
    const summary = await backfillPostalCodeAnalytics(this.analytics, options.from, options.to, process.stderr);
    console.log(`Computed ${summary.days} day(s): ${summary.rows} postal-code row(s).`);
  }

  @Option({ flags: '--from <date>', description: 'First date, YYYY-MM-DD (required)' })
  parseFrom(value: string): string {
    return value;
  }

  @Option({ flags: '--to <date>', description: 'Last date, YYYY-MM-DD, included (required)' })
  parseTo(value: string): string {
    return value;
  }
}

export const ANALYTICS_COMMANDS = [BackfillAnalyticsCommand];
