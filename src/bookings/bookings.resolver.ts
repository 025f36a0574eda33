import { Injectable, PipeTransform } from '@nestjs/common';
import { Args, Context, Int, Mutation, Parent, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { CurrentUser, Roles } from '../auth/access.decorators';
import type { RequestAuth } from '../auth/auth.guard';
import { ALL_ROLES, AuthUser, Role } from '../auth/role';
import { InputError } from '../core/errors/herald-error';
import { IdempotencyKeyArg } from '../core/idempotency/idempotency-key.arg';
import { LiveEvents, oncePerEvent } from '../core/graphql/live-events';
import { RequestLoader } from '../core/graphql/request-loader';
import { PageInput } from '../core/pagination/pagination';
import { IdArg } from '../core/validation/id-arg';
import { UserFieldAccess, UserRelation } from '../users/user-field-access';
import { User } from '../users/user.entity';
import { BookingAccess } from './booking-access';
import { BookingEvent } from './booking-event.entity';
import { BookingImportService, IMPORT_BATCH_LIMIT } from './booking-import.service';
import { Booking } from './booking.entity';
import { BOOKING_CHANGED_TOPIC, BookingEventPayload } from './booking.events';
import { BookingsService } from './bookings.service';
import { BookingsFilter, CancelBookingInput, CompleteBookingInput, CreateBookingInput, RateBookingArgs, RescheduleBookingInput } from './dto/booking.input';
import { BookingChange, BookingConnection, ImportBookingsResult } from './dto/booking.output';
import { Payment } from './payment.entity';
import { SignatureRequest } from './signature-request.entity';

@Injectable()
class VersionPipe implements PipeTransform<unknown, number | undefined> {
  transform(value: unknown): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new InputError('expectedVersion must be a positive integer', [{ field: 'expectedVersion', problems: ['must be a positive integer'] }]);
    }
    return value;
  }
}

/** `expectedVersion: Int`: when given, the change is refused with STALE_VERSION unless the booking is still at it. */
const VersionArg = () =>
  Args('expectedVersion', { type: () => Int, nullable: true, description: 'Refuse with STALE_VERSION unless the booking is still at this version' }, new VersionPipe());

interface BookingChangedArgs {
  bookingId?: string | null;
}

@Resolver(() => Booking)
export class BookingsResolver {
  constructor(
    private readonly bookingsService: BookingsService,
    private readonly bookingImport: BookingImportService,
    private readonly live: LiveEvents,
  ) {}

  @Query(() => Booking, { description: 'One booking you may see; others are NOT_FOUND' })
  @Roles(...ALL_ROLES)
  booking(@CurrentUser() caller: AuthUser, @IdArg() id: string): Promise<Booking> {
    return this.bookingsService.get(caller, id);
  }

  @Query(() => BookingConnection, { description: 'Bookings by start time; customers and providers see only their own' })
  @Roles(...ALL_ROLES)
  bookings(
    @CurrentUser() caller: AuthUser,
    @Args('filter', { type: () => BookingsFilter, nullable: true }) filter?: BookingsFilter,
    @Args('page', { type: () => PageInput, nullable: true }) page?: PageInput,
  ): Promise<BookingConnection> {
    return this.bookingsService.list(caller, filter ?? undefined, page ?? undefined);
  }

  @Mutation(() => Booking, { description: 'Customers book for themselves; ops and admins name the customer' })
  @Roles(Role.customer, Role.ops, Role.admin)
  createBooking(@CurrentUser() caller: AuthUser, @Args('input') input: CreateBookingInput, @IdempotencyKeyArg() _idempotencyKey?: string): Promise<Booking> {
    return this.bookingsService.create(caller, input);
  }

  @Mutation(() => ImportBookingsResult, {
    description:
      `Creates up to ${IMPORT_BATCH_LIMIT} bookings at once, each checked as createBooking checks it (customerId required). ` +
      'Good items are kept, bad ones reported per item; imported bookings are not announced on bookingChanged',
  })
  @Roles(Role.ops, Role.admin)
  importBookings(
    @CurrentUser() caller: AuthUser,
    @Args('input', { type: () => [CreateBookingInput] }) input: CreateBookingInput[],
    @IdempotencyKeyArg() _idempotencyKey?: string,
  ): Promise<ImportBookingsResult> {
    return this.bookingImport.importMany(caller, input);
  }

  @Mutation(() => Booking, { description: 'pending → confirmed' })
  @Roles(Role.provider, Role.ops, Role.admin)
  confirmBooking(@CurrentUser() caller: AuthUser, @IdArg() id: string, @VersionArg() expectedVersion?: number): Promise<Booking> {
    return this.bookingsService.confirm(caller, id, expectedVersion);
  }

  @Mutation(() => Booking, { description: 'Moves a pending or confirmed booking to a new slot' })
  @Roles(Role.customer, Role.provider, Role.ops, Role.admin)
  rescheduleBooking(
    @CurrentUser() caller: AuthUser,
    @IdArg() id: string,
    @Args('input') input: RescheduleBookingInput,
    @IdempotencyKeyArg() _idempotencyKey?: string,
  ): Promise<Booking> {
    return this.bookingsService.reschedule(caller, id, input);
  }

  @Mutation(() => Booking, { description: 'pending or confirmed → cancelled' })
  @Roles(Role.customer, Role.provider, Role.ops, Role.admin)
  cancelBooking(
    @CurrentUser() caller: AuthUser,
    @IdArg() id: string,
    @Args('input', { type: () => CancelBookingInput, nullable: true }) input?: CancelBookingInput,
    @IdempotencyKeyArg() _idempotencyKey?: string,
  ): Promise<Booking> {
    return this.bookingsService.cancel(caller, id, input ?? undefined);
  }

  @Mutation(() => Booking, { description: "confirmed → completed, once the booking has started; may record the customer's rating" })
  @Roles(Role.provider, Role.ops, Role.admin)
  completeBooking(
    @CurrentUser() caller: AuthUser,
    @IdArg() id: string,
    @VersionArg() expectedVersion?: number,
    @Args('input', { type: () => CompleteBookingInput, nullable: true }) input?: CompleteBookingInput,
  ): Promise<Booking> {
    return this.bookingsService.complete(caller, id, expectedVersion, input ?? undefined);
  }

  @Mutation(() => Booking, { description: "The booking's customer rates it, once, after it is completed" })
  @Roles(Role.customer)
  rateBooking(@CurrentUser() caller: AuthUser, @Args() { id, rating, comment }: RateBookingArgs): Promise<Booking> {
    return this.bookingsService.rate(caller, id, rating, comment || null);
  }

  @Mutation(() => Booking, { description: 'confirmed → no_show, once the booking has started' })
  @Roles(Role.provider, Role.ops, Role.admin)
  markNoShow(@CurrentUser() caller: AuthUser, @IdArg() id: string, @VersionArg() expectedVersion?: number): Promise<Booking> {
    return this.bookingsService.markNoShow(caller, id, expectedVersion);
  }

  /** The changed booking, loaded once per event for every subscriber of this process; access is still checked per subscriber. */
  private readonly changeOf = oncePerEvent((payload: BookingEventPayload) => this.bookingsService.changeFor(payload));

  @Subscription(() => BookingChange, {
    description: 'Changes to one booking, or to every booking you may see when bookingId is omitted',
    filter: (payload: BookingEventPayload, args: BookingChangedArgs, context: RequestAuth) =>
      !!context.user && (!args.bookingId || args.bookingId === payload.bookingId) && BookingAccess.canView(context.user, payload),
    resolve(this: BookingsResolver, payload: BookingEventPayload) {
      return this.changeOf(payload);
    },
  })
  @Roles(...ALL_ROLES)
  bookingChanged(
    @IdArg('bookingId', { nullable: true }) _bookingId?: string,
  ): AsyncIterableIterator<BookingEventPayload> {
    return this.live.subscribe<BookingEventPayload>(BOOKING_CHANGED_TOPIC);
  }

  @ResolveField(() => User)
  customer(@Parent() booking: Booking, @Context() auth: RequestAuth): Promise<User> {
    if (auth.user && BookingAccess.isProvider(auth.user, BookingAccess.partiesOf(booking))) {
      UserFieldAccess.relate(auth, booking.customer.id, UserRelation.CustomerOfCallersBooking);
    }
    return this.bookingsService.loadUser(booking.customer);
  }

  @ResolveField(() => User)
  provider(@Parent() booking: Booking): Promise<User> {
    return this.bookingsService.loadUser(booking.provider);
  }

  @ResolveField(() => User, { nullable: true, description: 'Who cancelled, when cancelled' })
  async cancelledBy(@Parent() booking: Booking): Promise<User | null> {
    return booking.cancelledBy ? this.bookingsService.loadUser(booking.cancelledBy) : null;
  }

  @ResolveField(() => [Payment])
  payments(@Parent() booking: Booking): Promise<Payment[]> {
    return this.bookingsService.loadPayments(booking);
  }

  @ResolveField(() => [SignatureRequest])
  signatureRequests(@Parent() booking: Booking): Promise<SignatureRequest[]> {
    return this.bookingsService.loadSignatureRequests(booking);
  }

  /** Every row's events in one query per list. */
  private readonly histories = new RequestLoader((bookingIds) => this.bookingsService.histories(bookingIds), (): BookingEvent[] => []);

  @ResolveField(() => [BookingEvent], { description: 'What happened to this booking, oldest first' })
  events(@Parent() booking: Booking, @Context() auth: RequestAuth): Promise<BookingEvent[]> {
    return this.histories.get(auth, booking.id);
  }
}
