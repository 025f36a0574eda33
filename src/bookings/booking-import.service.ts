import { EnsureRequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuthUser } from '../auth/role';
import { Clock } from '../core/clock/clock';
import { FieldProblem, HeraldError, InputError } from '../core/errors/herald-error';
import { validateInput } from '../core/errors/validation';
import { UsersService } from '../users/users.service';
import { BookingAccess } from './booking-access';
import { BookingError } from './bookings.error';
import { CreateBookingInput } from './dto/booking.input';
import { ImportBookingItem, ImportBookingsResult, ImportItemError } from './dto/booking.output';
import { NewBooking } from './new-booking';
import { insertNewBookings } from './new-booking-rows';

/** Most items one import call takes; the CLI sends files in batches of this size. */
export const IMPORT_BATCH_LIMIT = 1000;

/** An item that passed every check and is about to be inserted. */
interface ImportRow {
  index: number;
  id: string;
  input: CreateBookingInput;
  customerId: string;
}

/** A batch that passed BookingImportService.check: what to insert, and the outcome of every item so far. */
export class CheckedImport {
  constructor(
    readonly outcomes: ImportBookingItem[],
    readonly rows: ImportRow[],
    readonly actorId: string | null,
    readonly checkedAt: Date,
  ) {}
}

/**
 * Bulk creation of bookings for ops and admins (the importBookings mutation, `bookings:import`).
 * Each item passes the checks createBooking makes, with one users query per batch instead of one
 * per item; the good ones are inserted together and the bad ones reported with the error
 * createBooking would have given.
 *
 * Imported bookings are not announced in-process or on `bookingChanged`: notifications are planned
 * from the booking_events rows, and a live event per imported booking would send every staff
 * subscriber one reload query per booking of a 100,000-row file.
 */
@Injectable()
export class BookingImportService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly users: UsersService,
  ) {}

  /** `items` are plain objects as received (GraphQL list items, file rows); each is validated here. */
  async importMany(caller: AuthUser, items: readonly unknown[]): Promise<ImportBookingsResult> {
    return this.write(await this.check(caller, items));
  }

  /**
   * The first half of importMany: validates a batch and checks its parties, writing nothing, so a
   * caller streaming batches can check the next one while the previous one is being written.
   */
  @EnsureRequestContext()
  async check(caller: AuthUser, items: readonly unknown[]): Promise<CheckedImport> {
    BookingAccess.assertImports(caller);
    if (items.length > IMPORT_BATCH_LIMIT) {
      throw new InputError(`At most ${IMPORT_BATCH_LIMIT} bookings per import, got ${items.length}`, [
        { field: 'input', problems: [`must contain at most ${IMPORT_BATCH_LIMIT} items`] },
      ]);
    }
    const now = this.clock.now();
    const outcomes: ImportBookingItem[] = items.map((_item, index) => ({ index, bookingId: null, error: null }));
    const refuse = (index: number, error: unknown) => {
      outcomes[index].error = itemError(error);
    };

    const checked: ImportRow[] = [];
    await Promise.all(
      items.map(async (item, index) => {
        try {
          const input = await validateInput(CreateBookingInput, item);
          checked.push({ index, id: randomUUID(), input, customerId: NewBooking.customerAndSlot(caller, input, now) });
        } catch (error) {
          refuse(index, error);
        }
      }),
    );
    const users = await this.users.lookup([caller.id, ...checked.flatMap((row) => [row.input.providerId, row.customerId])]);
    const rows = checked
      .filter((row) => {
        try {
          NewBooking.assertParties(users, row.input.providerId, row.customerId);
          return true;
        } catch (error) {
          refuse(row.index, error);
          return false;
        }
      })
      .sort((a, b) => a.index - b.index);
    return new CheckedImport(outcomes, rows, users.has(caller.id) ? caller.id : null, now);
  }

  /** The second half of importMany: inserts what `check` kept; an item that overlaps is refused now. */
  @EnsureRequestContext()
  async write(batch: CheckedImport): Promise<ImportBookingsResult> {
    const { outcomes, rows } = batch;
    const inserted = await this.insert(rows, batch.actorId, batch.checkedAt);
    for (const row of rows) {
      if (inserted.has(row.id)) outcomes[row.index].bookingId = row.id;
      else outcomes[row.index].error = itemError(BookingError.overlaps(row.input.providerId, row.input.startsAt, row.input.endsAt));
    }
    const created = outcomes.filter((outcome) => outcome.bookingId).length;
    return { created, failed: outcomes.length - created, items: outcomes };
  }

  /** Inserts the rows (in input order, so an earlier item wins an overlap) and returns the ids written. */
  private async insert(rows: ImportRow[], actorId: string | null, now: Date): Promise<Set<string>> {
    const items = rows.map(({ index, id, input, customerId }) => ({ position: index, id, ...NewBooking.fields(input, customerId) }));
    // Row timestamps are wall-clock time, as the entities' defaults; the event's moment is the clock's.
    const written = await insertNewBookings(this.em, items, actorId, now, new Date());
    return new Set(written.keys());
  }
}

/**
 * The error of a refused item as the API reports it, with the fields it names (a single `field`
 * detail becomes one entry). Anything unexpected is not the item's fault and fails the call.
 */
function itemError(error: unknown): ImportItemError {
  if (!(error instanceof HeraldError)) throw error;
  const { fields, field } = error.details as { fields?: FieldProblem[]; field?: unknown };
  const named = fields ?? (typeof field === 'string' ? [{ field, problems: [error.message] }] : null);
  return { code: error.kind, reason: error.reason, message: error.message, fields: named };
}
