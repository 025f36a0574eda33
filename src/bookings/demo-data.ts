import { EntityManager } from '@mikro-orm/postgresql';
import { Role } from '../auth/role';
import { Clock } from '../core/clock/clock';
import { Locale, User } from '../users/user.entity';
import { BookingEvent, BookingEventType } from './booking-event.entity';
import { Booking, BookingStatus } from './booking.entity';
import { Payment, PaymentStatus } from './payment.entity';
import { SignatureRequest } from './signature-request.entity';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const DEMO_USERS = {
  admin: { name: 'Aziza Admin', email: 'admin@herald.demo', roles: [Role.admin], locale: Locale.en, phone: '+998901110001', postalCode: '100011' },
  ops: { name: 'Otabek Ops', email: 'ops@herald.demo', roles: [Role.ops], locale: Locale.uz, phone: '+998901110002', postalCode: '100011' },
  finance: { name: 'Feruza Finance', email: 'finance@herald.demo', roles: [Role.finance], locale: Locale.ru, phone: '+998911110003', postalCode: '100011' },
  provider1: { name: 'Jasur Karimov', email: 'provider1@herald.demo', roles: [Role.provider], locale: Locale.uz, phone: '+998931110004', postalCode: '100011' },
  provider2: { name: 'Irina Petrova', email: 'provider2@herald.demo', roles: [Role.provider], locale: Locale.ru, phone: '+998941110005', postalCode: '140100' },
  customer1: { name: 'Dilnoza Yusupova', email: 'customer1@herald.demo', roles: [Role.customer], locale: Locale.uz, phone: '+998971110006', postalCode: '100011' },
  customer2: { name: 'Sergey Ivanov', email: 'customer2@herald.demo', roles: [Role.customer], locale: Locale.ru, phone: '+998991110007', postalCode: '140100' },
  customer3: { name: 'Emily Clark', email: 'customer3@herald.demo', roles: [Role.customer], locale: Locale.en, phone: '+998901110008', postalCode: '100011' },
} as const;

export type DemoUserKey = keyof typeof DEMO_USERS;

interface DemoBooking {
  provider: DemoUserKey;
  customer: DemoUserKey;
  service: string;
  /** Start relative to now. */
  startsIn: number;
  minutes: number;
  status: BookingStatus;
  price: string;
  payment?: { status: PaymentStatus; heldFor?: number };
  signaturePendingFor?: number;
}

/** Spread over the next days so every reminder window has something in it; no provider is double-booked. */
const DEMO_BOOKINGS: DemoBooking[] = [
  { provider: 'provider1', customer: 'customer1', service: 'Haircut', startsIn: 30 * MINUTE, minutes: 60, status: BookingStatus.confirmed, price: '80000' },
  { provider: 'provider2', customer: 'customer2', service: 'Massage', startsIn: 2 * HOUR, minutes: 60, status: BookingStatus.confirmed, price: '250000' },
  { provider: 'provider1', customer: 'customer3', service: 'Beard trim', startsIn: 5 * HOUR, minutes: 30, status: BookingStatus.pending, price: '50000' },
  {
    provider: 'provider2',
    customer: 'customer1',
    service: 'Physiotherapy',
    startsIn: DAY,
    minutes: 90,
    status: BookingStatus.confirmed,
    price: '400000',
    payment: { status: PaymentStatus.held, heldFor: 30 * HOUR },
  },
  {
    provider: 'provider1',
    customer: 'customer2',
    service: 'Colouring',
    startsIn: 2 * DAY,
    minutes: 120,
    status: BookingStatus.confirmed,
    price: '600000',
    signaturePendingFor: 30 * HOUR,
  },
  { provider: 'provider2', customer: 'customer3', service: 'Massage', startsIn: 4 * DAY, minutes: 60, status: BookingStatus.pending, price: '250000' },
  {
    provider: 'provider1',
    customer: 'customer1',
    service: 'Haircut',
    startsIn: -DAY,
    minutes: 60,
    status: BookingStatus.completed,
    price: '80000',
    payment: { status: PaymentStatus.captured },
  },
  { provider: 'provider2', customer: 'customer2', service: 'Physiotherapy', startsIn: 3 * DAY, minutes: 60, status: BookingStatus.cancelled, price: '400000' },
];

/** The event history that leads to each status, one version per event. */
const HISTORY: Record<BookingStatus, BookingEventType[]> = {
  [BookingStatus.pending]: [BookingEventType.created],
  [BookingStatus.confirmed]: [BookingEventType.created, BookingEventType.confirmed],
  [BookingStatus.completed]: [BookingEventType.created, BookingEventType.confirmed, BookingEventType.completed],
  [BookingStatus.no_show]: [BookingEventType.created, BookingEventType.confirmed, BookingEventType.no_show],
  [BookingStatus.cancelled]: [BookingEventType.created, BookingEventType.cancelled],
};

/**
 * Demo users and bookings around `clock.now()`, for local runs and alert demos.
 * Idempotent: when admin@herald.demo exists nothing is written and the existing users are returned.
 */
export async function seedDemoData(em: EntityManager, clock: Clock): Promise<{ users: Record<DemoUserKey, User> }> {
  const keys = Object.keys(DEMO_USERS) as DemoUserKey[];
  if (await em.count(User, { email: DEMO_USERS.admin.email })) {
    const existing = await em.find(User, { email: { $in: keys.map((key) => DEMO_USERS[key].email) } });
    return { users: Object.fromEntries(keys.map((key) => [key, existing.find((user) => user.email === DEMO_USERS[key].email)])) as Record<DemoUserKey, User> };
  }

  const now = clock.now();
  const nowMinute = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE);
  const users = await em.transactional(async (tx) => {
    const users = Object.fromEntries(
      keys.map((key) => {
        const { roles, ...rest } = DEMO_USERS[key];
        return [key, tx.create(User, { ...rest, roles: [...roles], timezone: 'Asia/Tashkent' })];
      }),
    ) as Record<DemoUserKey, User>;

    for (const spec of DEMO_BOOKINGS) {
      const startsAt = new Date(nowMinute.getTime() + spec.startsIn);
      const customer = users[spec.customer];
      const provider = users[spec.provider];
      const booking = tx.create(Booking, {
        customer,
        provider,
        serviceName: spec.service,
        startsAt,
        endsAt: new Date(startsAt.getTime() + spec.minutes * MINUTE),
        timezone: 'Asia/Tashkent',
        address: customer.postalCode === '140100' ? 'Registan St 1, Samarkand' : 'Amir Temur Ave 15, Tashkent',
        postalCode: customer.postalCode,
        price: `${spec.price}.00`,
        currency: 'UZS',
      });
      // Walk the booking through its history as the service would, one flush (and version) per event.
      const bookedAt = new Date(Math.min(now.getTime(), startsAt.getTime()) - 3 * DAY);
      for (const [index, type] of HISTORY[spec.status].entries()) {
        let actor = provider;
        let occurredAt = new Date(bookedAt.getTime() + index * HOUR);
        let data = {};
        switch (type) {
          case BookingEventType.created:
            actor = customer;
            break;
          case BookingEventType.confirmed:
            booking.confirm();
            break;
          case BookingEventType.completed:
            occurredAt = booking.endsAt;
            booking.complete(occurredAt);
            break;
          case BookingEventType.no_show:
            occurredAt = booking.endsAt;
            booking.markNoShow(occurredAt);
            break;
          case BookingEventType.cancelled:
            actor = customer;
            occurredAt = new Date(now.getTime() - 2 * HOUR);
            data = { reason: 'Plans changed' };
            booking.cancel('Plans changed', customer, occurredAt);
            break;
          case BookingEventType.rescheduled:
            break;
        }
        await tx.flush();
        tx.create(BookingEvent, { booking, type, bookingVersion: booking.version, actor, occurredAt, data });
      }

      const payment = tx.create(Payment, { booking, amount: booking.price, currency: booking.currency });
      if (spec.payment?.status === PaymentStatus.held) payment.hold(new Date(now.getTime() - (spec.payment.heldFor ?? 0)));
      if (spec.payment?.status === PaymentStatus.captured) payment.capture(booking.endsAt);
      if (spec.signaturePendingFor) tx.create(SignatureRequest, { booking, requestedAt: new Date(now.getTime() - spec.signaturePendingFor) });
    }
    return users;
  });
  return { users };
}
