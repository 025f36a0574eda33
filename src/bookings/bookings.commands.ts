import { Command, CommandRunner, Option } from 'nest-commander';
import { AuthUser } from '../auth/role';
import { ProgressBar, ProgressOutput } from '../core/cli/progress-bar';
import { InputError } from '../core/errors/herald-error';
import { inputFieldNames } from '../core/errors/validation';
import { UsersService } from '../users/users.service';
import { BookingAccess } from './booking-access';
import { BookingImportService, IMPORT_BATCH_LIMIT } from './booking-import.service';
import { CreateBookingInput } from './dto/booking.input';
import { ImportBookingsResult } from './dto/booking.output';
import { ImportFileRow, ImportFormat, importFormatOf, readImportFile } from './import-file';

/** How many refused lines the summary lists. */
const FAILURES_SHOWN = 10;

export interface FileImportFailure {
  line: number;
  code: string;
  reason: string;
  message: string;
}

export interface FileImportSummary {
  total: number;
  created: number;
  failed: number;
  /** The first refused lines, in file order. */
  failures: FileImportFailure[];
  /** Items per second over the import (after the file was checked). */
  rate: number;
}

/**
 * Imports a file through BookingImportService. The file is read once to check it and count its
 * items, so a broken file writes nothing; then it is streamed in batches of IMPORT_BATCH_LIMIT,
 * written one after another (an earlier line wins an overlap), each checked while the one before
 * it is being written.
 */
export async function importBookingsFile(
  importer: BookingImportService,
  actor: AuthUser,
  path: string,
  format: ImportFormat,
  progress: ProgressOutput,
): Promise<FileImportSummary> {
  BookingAccess.assertImports(actor);
  const fields = inputFieldNames(CreateBookingInput);
  let total = 0;
  for await (const _row of readImportFile(path, format, fields)) total++;

  const bar = new ProgressBar(progress, total, 'bookings');
  const summary: FileImportSummary = { total, created: 0, failed: 0, failures: [], rate: 0 };
  const fail = (failure: FileImportFailure) => {
    summary.failed++;
    if (summary.failures.length < FAILURES_SHOWN) summary.failures.push(failure);
  };
  let done = 0;
  const record = (rows: ImportFileRow[], result: ImportBookingsResult) => {
    const results = result.items.values();
    for (const row of rows) {
      if ('problem' in row) {
        const error = new InputError(`line ${row.line} ${row.problem}`);
        fail({ line: row.line, code: error.kind, reason: error.reason, message: error.message });
        continue;
      }
      const { error } = results.next().value!;
      if (error) fail({ line: row.line, code: error.code, reason: error.reason, message: error.message });
      else summary.created++;
    }
    done += rows.length;
    bar.update(done);
  };

  // One batch is written while the next one is read and checked; writes stay one after another.
  let writing: Promise<void> = Promise.resolve();
  const submit = async (rows: ImportFileRow[]) => {
    const checked = await importer.check(actor, rows.flatMap((row) => ('item' in row ? [row.item] : [])));
    await writing;
    writing = importer.write(checked).then((result) => record(rows, result));
    // Awaited before the next write or at the end; until then a failure must not count as unhandled.
    writing.catch(() => undefined);
  };
  let batch: ImportFileRow[] = [];
  for await (const row of readImportFile(path, format, fields)) {
    batch.push(row);
    if (batch.length < IMPORT_BATCH_LIMIT) continue;
    await submit(batch);
    batch = [];
  }
  if (batch.length) await submit(batch);
  await writing;
  summary.rate = bar.rate();
  bar.finish();
  return summary;
}

/** What the command prints at the end. */
export function describeImport(summary: FileImportSummary): string[] {
  const count = (n: number) => n.toLocaleString('en-US');
  const lines = [`Imported ${count(summary.created)} of ${count(summary.total)} bookings (${count(Math.round(summary.rate))}/s); ${count(summary.failed)} failed.`];
  if (summary.failures.length) {
    lines.push(summary.failed > summary.failures.length ? `First ${summary.failures.length} failures:` : 'Failures:');
    for (const failure of summary.failures) lines.push(`  line ${failure.line}: ${failure.code} ${failure.reason}: ${failure.message}`);
  }
  return lines;
}

@Command({
  name: 'bookings:import',
  arguments: '<file>',
  description: 'Create bookings from a CSV file (header row of CreateBookingInput field names) or JSON lines; customerId is required',
})
export class ImportBookingsCommand extends CommandRunner {
  constructor(
    private readonly importer: BookingImportService,
    private readonly users: UsersService,
  ) {
    super();
  }

  async run([file]: string[], options: { as?: string; format?: string }): Promise<void> {
    if (!options.as) throw new Error('--as <email|id> is required: the ops or admin user the bookings are recorded as created by');
    const format = importFormatOf(file, options.format);
    const user = await this.users.getByIdOrEmail(options.as);
    const summary = await importBookingsFile(this.importer, new AuthUser(user.id, user.roles), file, format, process.stderr);
    for (const line of describeImport(summary)) console.log(line);
    // Thrown, so the CLI exits with 1 like any failed command.
    if (summary.failed) throw new Error(`${summary.failed.toLocaleString('en-US')} booking(s) were not imported`);
  }

  @Option({ flags: '--as <user>', description: 'Email or id of the ops or admin user importing (required)' })
  parseAs(value: string): string {
    return value;
  }

  @Option({ flags: '--format <format>', description: 'csv, jsonl or ndjson (default: from the file extension)' })
  parseFormat(value: string): string {
    return value;
  }
}

export const BOOKING_COMMANDS = [ImportBookingsCommand];
