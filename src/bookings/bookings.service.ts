import { EnsureRequestContext, LockMode, wrap } from '@mikro-orm/core';
import { CheckConstraintViolationException, DriverException, EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuthUser } from '../auth/role';
import { Clock } from '../core/clock/clock';
import { StaleVersionError } from '../core/errors/herald-error';
import { groupedBy } from '../core/graphql/request-loader';
import { assertCursor, Page, PageInput, toPage } from '../core/pagination/pagination';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { BookingAccess, BookingAction } from './booking-access';
import { BookingEvent, BookingEventData, BookingEventType } from './booking-event.entity';
import { Booking, BookingStatus } from './booking.entity';
import { BookingEventPayload, BookingEventPublisher } from './booking.events';
import { BookingError } from './bookings.error';
import { BookingsFilter, CancelBookingInput, CompleteBookingInput, CreateBookingInput, RescheduleBookingInput } from './dto/booking.input';
import { BookingChange } from './dto/booking.output';
import { NewBooking } from './new-booking';
import { insertNewBookings } from './new-booking-rows';
import { Payment } from './payment.entity';
import { SignatureRequest } from './signature-request.entity';

/** Everything GraphQL may read from a Booking, loaded up front so it never meets a bare reference. */
export const BOOKING_GRAPH = ['customer', 'provider', 'cancelledBy', 'payments', 'signatureRequests'] as const;

/** SQLSTATE of an exclusion constraint violation: two active bookings of a provider overlap. */
const EXCLUSION_VIOLATION = '23P01';

interface Recorded {
  type: BookingEventType;
  data?: BookingEventData;
}

/**
 * Bookings and their lifecycle. Every change runs in one transaction that also writes its
 * BookingEvent row; the event is announced only after the commit.
 */
@Injectable()
export class BookingsService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly users: UsersService,
    private readonly publisher: BookingEventPublisher,
  ) {}

  async get(caller: AuthUser, id: string): Promise<Booking> {
    const booking = await this.em.findOne(Booking, { id }, { populate: BOOKING_GRAPH });
    if (!booking) throw BookingError.notFound(id);
    BookingAccess.assert(caller, id, BookingAccess.partiesOf(booking), BookingAction.View);
    return booking;
  }

  /** Bookings the caller may see, by start time; customers and providers see only their own. */
  async list(caller: AuthUser, filter: BookingsFilter = {}, page: PageInput = new PageInput()): Promise<Page<Booking>> {
    assertCursor(page.after);
    const scope = BookingAccess.scope(caller);
    if (!scope) return { nodes: [], pageInfo: { endCursor: null, hasNextPage: false }, totalCount: 0 };
    const where: FilterQuery<Booking> = {};
    if (filter.status?.length) where.status = { $in: filter.status };
    if (filter.providerId) where.provider = filter.providerId;
    if (filter.customerId) where.customer = filter.customerId;
    if (filter.postalCode) where.postalCode = filter.postalCode;
    if (filter.startsFrom || filter.startsTo) {
      where.startsAt = { ...(filter.startsFrom ? { $gte: filter.startsFrom } : {}), ...(filter.startsTo ? { $lt: filter.startsTo } : {}) };
    }
    const cursor = await this.em.findByCursor(
      Booking,
      { $and: [scope, where] },
      { first: page.first, after: page.after, orderBy: { startsAt: 'asc', id: 'asc' }, populate: BOOKING_GRAPH, strategy: 'select-in' },
    );
    return toPage(cursor);
  }

  async create(caller: AuthUser, input: CreateBookingInput): Promise<Booking> {
    const now = this.clock.now();
    const customerId = NewBooking.customerAndSlot(caller, input, now);
    const users = await this.users.lookup([input.providerId, customerId, caller.id]);
    NewBooking.assertParties(users, input.providerId, customerId);
    const fields = NewBooking.fields(input, customerId);
    const actorId = users.has(caller.id) ? caller.id : null;
    // One statement, as imports write: the booking, its payment and its `created` event, no unit of work.
    const id = randomUUID();
    const writtenAt = new Date();
    const written = await insertNewBookings(this.em, [{ position: 0, id, ...fields }], actorId, now, writtenAt);
    const eventId = written.get(id);
    if (!eventId) throw BookingError.overlaps(input.providerId, input.startsAt, input.endsAt);
    await this.publisher.publish(
      new BookingEventPayload({
        eventId,
        bookingId: id,
        type: BookingEventType.created,
        bookingVersion: 1,
        actorId,
        occurredAt: now,
        customerId,
        providerId: input.providerId,
      }),
    );
    // What was just written, as written: the relations a query asks for load on demand.
    const { customerId: customer, providerId: provider, ...stored } = fields;
    return this.em.fork().merge(Booking, {
      ...stored,
      id,
      createdAt: writtenAt,
      updatedAt: writtenAt,
      status: BookingStatus.pending,
      version: 1,
      customer,
      provider,
    });
  }

  confirm(caller: AuthUser, id: string, expectedVersion?: number | null): Promise<Booking> {
    return this.change(caller, id, BookingAction.Confirm, expectedVersion, (booking) => {
      booking.confirm();
      return { type: BookingEventType.confirmed };
    });
  }

  reschedule(caller: AuthUser, id: string, input: RescheduleBookingInput): Promise<Booking> {
    return this.change(caller, id, BookingAction.Reschedule, input.expectedVersion, (booking, now) => {
      const previous = booking.reschedule(input.startsAt, input.endsAt, input.timezone ?? undefined, now);
      return previous && { type: BookingEventType.rescheduled, data: previous };
    });
  }

  cancel(caller: AuthUser, id: string, input: CancelBookingInput = {}): Promise<Booking> {
    return this.change(caller, id, BookingAction.Cancel, input.expectedVersion, (booking, now, actor) => {
      const reason = input.reason || null;
      booking.cancel(reason, actor, now);
      return { type: BookingEventType.cancelled, data: { reason } };
    });
  }

  /** Completes the booking; a rating given with it (collected on the spot) is recorded in the same change. */
  complete(caller: AuthUser, id: string, expectedVersion?: number | null, input: CompleteBookingInput = {}): Promise<Booking> {
    return this.change(caller, id, BookingAction.Complete, expectedVersion, (booking, now) => {
      booking.complete(now);
      if (input.rating != null) booking.rate(input.rating, input.ratingComment || null, now);
      return { type: BookingEventType.completed };
    });
  }

  /**
   * The customer rates their completed booking, once. The row is locked while it is checked, so
   * of two rating at once the second finds it rated. A rating changes no plan, so it writes no event.
   */
  async rate(caller: AuthUser, id: string, rating: number, comment: string | null): Promise<Booking> {
    await this.em.transactional(async (tx) => {
      const booking = await tx.findOne(Booking, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!booking) throw BookingError.notFound(id);
      BookingAccess.assertRates(caller, id, BookingAccess.partiesOf(booking));
      booking.rate(rating, comment, this.clock.now());
    });
    return this.reload(id);
  }

  markNoShow(caller: AuthUser, id: string, expectedVersion?: number | null): Promise<Booking> {
    return this.change(caller, id, BookingAction.MarkNoShow, expectedVersion, (booking, now) => {
      booking.markNoShow(now);
      return { type: BookingEventType.no_show };
    });
  }

  /** The event logs of these bookings, each oldest first, in one query; a booking without events is left out. */
  @EnsureRequestContext()
  async histories(bookingIds: string[]): Promise<Map<string, BookingEvent[]>> {
    const events = await this.em.find(BookingEvent, { booking: { $in: bookingIds } }, { orderBy: { occurredAt: 'asc', bookingVersion: 'asc' } });
    return groupedBy(events, (event) => event.booking.id);
  }

  /** For the bookingChanged subscription, which runs outside any request: a fresh context per event. */
  @EnsureRequestContext()
  async changeFor(payload: Pick<BookingEventPayload, 'bookingId' | 'type'>): Promise<BookingChange> {
    const booking = await this.em.findOneOrFail(Booking, { id: payload.bookingId }, { populate: BOOKING_GRAPH });
    return { type: payload.type, booking };
  }

  /** A user related to a booking, loaded if the query that fetched the booking did not. */
  @EnsureRequestContext()
  async loadUser(user: User): Promise<User> {
    return wrap(user).isInitialized() ? user : this.em.findOneOrFail(User, { id: user.id });
  }

  @EnsureRequestContext()
  async loadPayments(booking: Booking): Promise<Payment[]> {
    if (booking.payments.isInitialized()) return booking.payments.getItems();
    return this.em.find(Payment, { booking: booking.id }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  @EnsureRequestContext()
  async loadSignatureRequests(booking: Booking): Promise<SignatureRequest[]> {
    if (booking.signatureRequests.isInitialized()) return booking.signatureRequests.getItems();
    return this.em.find(SignatureRequest, { booking: booking.id }, { orderBy: { requestedAt: 'asc', id: 'asc' } });
  }

  /**
   * Loads the booking inside a transaction, checks access and version, applies `apply`, writes
   * the event row, commits, then announces the event and returns the fresh booking.
   */
  private async change(
    caller: AuthUser,
    id: string,
    action: BookingAction,
    expectedVersion: number | null | undefined,
    /** What happened; null when the request changes nothing (no event, nothing announced). */
    apply: (booking: Booking, now: Date, actor: User | null) => Recorded | null,
  ): Promise<Booking> {
    const payload = await this.em.transactional(async (tx) => {
      // Locked: changes to one booking take turns, so a repeated request finds the first one's result.
      const booking = await tx.findOne(Booking, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!booking) throw BookingError.notFound(id);
      BookingAccess.assert(caller, id, BookingAccess.partiesOf(booking), action);
      if (expectedVersion != null && expectedVersion !== booking.version) throw new StaleVersionError('Booking', id, booking.version);
      const now = this.clock.now();
      const actor = await tx.findOne(User, { id: caller.id });
      const recorded = apply(booking, now, actor);
      if (!recorded) return null;
      await this.flushSlot(tx, booking);
      return this.record(tx, booking, actor, now, recorded);
    });
    if (payload) await this.publisher.publish(payload);
    return this.reload(id);
  }

  /** Flushes a booking whose slot may clash; the database's exclusion constraint is the judge. */
  private async flushSlot(tx: EntityManager, booking: Booking): Promise<void> {
    try {
      await tx.flush();
    } catch (error) {
      if (error instanceof DriverException && error.code === EXCLUSION_VIOLATION) {
        throw BookingError.overlaps(booking.provider.id, booking.startsAt, booking.endsAt);
      }
      if (error instanceof CheckConstraintViolationException && error.message.includes('bookings_ends_after_starts')) {
        throw BookingError.endsBeforeStart(booking.startsAt, booking.endsAt);
      }
      throw error;
    }
  }

  /** Adds the event row to the transaction (flushed with the commit) and returns what to announce. */
  private record(tx: EntityManager, booking: Booking, actor: User | null, now: Date, recorded: Recorded): BookingEventPayload {
    const event = tx.create(BookingEvent, {
      booking,
      type: recorded.type,
      bookingVersion: booking.version,
      actor,
      occurredAt: now,
      data: recorded.data ?? {},
    });
    return new BookingEventPayload({
      eventId: event.id,
      bookingId: booking.id,
      type: event.type,
      bookingVersion: event.bookingVersion,
      actorId: actor?.id ?? null,
      occurredAt: now,
      customerId: booking.customer.id,
      providerId: booking.provider.id,
    });
  }

  private reload(id: string): Promise<Booking> {
    return this.em.findOneOrFail(Booking, { id }, { populate: BOOKING_GRAPH, refresh: true });
  }
}
