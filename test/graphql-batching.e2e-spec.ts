import { AlertEvent, AlertEventKind } from '../src/alerts/alert-event.entity';
import { AlertSeverity, AlertType, BusinessAlert } from '../src/alerts/business-alert.entity';
import { InAppSender } from '../src/notifications/channels/in-app.sender';
import { Notification, NotificationChannel, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { User } from '../src/users/user.entity';
import { bookingInput, CREATE_BOOKING, dataOf } from './bookings.fixtures';
import { Persona, startTestApp, TestApp } from './support/test-app';

const BOOKINGS_WITH_EVENTS = `query($first: Int!) { bookings(page: { first: $first }) { nodes { id events { type bookingVersion } } } }`;
const ALERTS_WITH_EVENTS = `query($first: Int!) { alerts(page: { first: $first }) { nodes { id events { kind } } } }`;
const BOOKING_CHANGED = `subscription($id: ID) { bookingChanged(bookingId: $id) { type booking { id status customer { name } provider { name } payments { status } } } }`;
const RECEIVED = `subscription { notificationReceived { id subject } }`;

describe('GraphQL: queries per list and per event (e2e)', () => {
  let t: TestApp;
  let sequence = 0;

  beforeAll(async () => {
    // An API process only: no worker or scheduler queries to tell apart from the ones counted.
    t = await startTestApp({ env: { HERALD_ROLE: 'api' } });
  });
  afterAll(() => t?.close());

  /** The SQL statements Herald sends to Postgres while `run` runs. */
  async function queriesDuring(run: () => Promise<unknown>): Promise<string[]> {
    const execute = jest.spyOn(t.orm.em.getDriver().getConnection(), 'execute');
    try {
      await run();
      return execute.mock.calls.map(([sql]) => String(sql));
    } finally {
      execute.mockRestore();
    }
  }

  async function createBookings(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const created = dataOf(await t.gql<{ createBooking: { id: string } }>(CREATE_BOOKING, { input: bookingInput(t) }, t.tokens.customer)).createBooking;
      dataOf(await t.gql(`mutation($id: ID!) { confirmBooking(id: $id) { id } }`, { id: created.id }, t.tokens.provider));
      ids.push(created.id);
    }
    return ids;
  }

  describe('field resolvers of list rows load in one batch', () => {
    it('a list of bookings with their events takes as many queries for 12 bookings as for 3', async () => {
      await createBookings(12);
      const listOf = async (first: number) => {
        let nodes: { id: string; events: { type: string; bookingVersion: number }[] }[] = [];
        const queries = await queriesDuring(async () => {
          nodes = dataOf(await t.gql<{ bookings: { nodes: typeof nodes } }>(BOOKINGS_WITH_EVENTS, { first }, t.tokens.ops)).bookings.nodes;
        });
        return { nodes, queries };
      };
      const few = await listOf(3);
      const many = await listOf(12);

      expect(many.nodes).toHaveLength(12);
      for (const booking of many.nodes) expect(booking.events).toEqual([{ type: 'created', bookingVersion: 1 }, { type: 'confirmed', bookingVersion: 2 }]);
      expect(many.queries.filter((sql) => sql.includes('"booking_events"'))).toHaveLength(1);
      expect(many.queries).toHaveLength(few.queries.length);
    });

    it('a list of alerts with their events takes as many queries for 12 alerts as for 3', async () => {
      const em = t.orm.em.fork();
      const now = t.clock.now();
      for (let i = 0; i < 12; i++) {
        const alert = em.create(BusinessAlert, {
          type: AlertType.payment_on_hold,
          severity: AlertSeverity.high,
          title: `Payment ${i} on hold`,
          dedupKey: `batching-test:${i}`,
          firstSeenAt: now,
          lastSeenAt: now,
        });
        em.create(AlertEvent, { alert, kind: AlertEventKind.raised, createdAt: new Date(now.getTime() - 60_000) });
        em.create(AlertEvent, { alert, kind: AlertEventKind.seen_again, createdAt: now });
      }
      await em.flush();
      const listOf = async (first: number) => {
        let nodes: { id: string; events: { kind: string }[] }[] = [];
        const queries = await queriesDuring(async () => {
          nodes = dataOf(await t.gql<{ alerts: { nodes: typeof nodes } }>(ALERTS_WITH_EVENTS, { first }, t.tokens.ops)).alerts.nodes;
        });
        return { nodes, queries };
      };
      const few = await listOf(3);
      const many = await listOf(12);

      expect(many.nodes).toHaveLength(12);
      for (const alert of many.nodes) expect(alert.events).toEqual([{ kind: 'raised' }, { kind: 'seen_again' }]);
      expect(many.queries.filter((sql) => sql.includes('"alert_events"'))).toHaveLength(1);
      expect(many.queries).toHaveLength(few.queries.length);
    });
  });

  it('bookingChanged loads the changed booking once for all of a process’s subscribers', async () => {
    const [first, second] = await createBookings(2);
    /** Queries from a change of `bookingId` until each subscriber has received it. */
    const queriesOfChange = async (bookingId: string, subscribers: Persona[]) => {
      const subscriptions = await Promise.all(subscribers.map((persona) => t.subscribe<{ bookingChanged: { booking: { id: string; status: string } } }>(BOOKING_CHANGED, { id: bookingId }, t.tokens[persona])));
      try {
        return await queriesDuring(async () => {
          dataOf(await t.gql(`mutation($id: ID!) { cancelBooking(id: $id) { id } }`, { id: bookingId }, t.tokens.ops));
          for (const subscription of subscriptions) expect(dataOf(await subscription.next()).bookingChanged.booking).toEqual(expect.objectContaining({ id: bookingId, status: 'cancelled' }));
        });
      } finally {
        await Promise.all(subscriptions.map((subscription) => subscription.close()));
      }
    };
    const alone = await queriesOfChange(first, ['customer']);
    const together = await queriesOfChange(second, ['customer', 'provider', 'ops']);
    expect(together).toHaveLength(alone.length);
  });

  describe('notificationReceived', () => {
    async function deliverInApp(persona: Persona, subject: string): Promise<Notification> {
      const em = t.orm.em.fork();
      const row = em.create(Notification, {
        recipient: em.getReference(User, t.users[persona].id),
        type: NotificationType.booking_confirmation,
        channel: NotificationChannel.in_app,
        dueAt: t.clock.now(),
        status: NotificationStatus.sent,
        subject,
        body: 'See you soon',
        sentAt: t.clock.now(),
        dedupKey: `batching-test:in-app:${sequence++}`,
      });
      await em.flush();
      const receipt = await t.app.get(InAppSender).send(row.id, { userId: t.users[persona].id, to: t.users[persona].id, locale: 'en' }, { subject, text: 'See you soon' });
      await receipt.afterRecorded?.();
      return row;
    }

    it('each subscriber listens on their own topic and hears only their own messages', async () => {
      const mine = await t.subscribe<{ notificationReceived: { id: string; subject: string } }>(RECEIVED, {}, t.tokens.customer);
      const theirs = await t.subscribe<{ notificationReceived: { id: string; subject: string } }>(RECEIVED, {}, t.tokens.otherCustomer);
      try {
        const prefix = `${t.config.REDIS_KEY_PREFIX}:live:notificationReceived`;
        const channels = (await t.redis.pubsub('CHANNELS', `${prefix}*`)) as string[];
        expect(channels.sort()).toEqual([`${prefix}:${t.users.customer.id}`, `${prefix}:${t.users.otherCustomer.id}`].sort());

        // Published first, on one connection: were it heard by the customer, it would arrive before their own.
        const others = await deliverInApp('otherCustomer', 'For Karim');
        const own = await deliverInApp('customer', 'For Kamola');
        expect(dataOf(await mine.next()).notificationReceived).toEqual({ id: own.id, subject: 'For Kamola' });
        expect(dataOf(await theirs.next()).notificationReceived).toEqual({ id: others.id, subject: 'For Karim' });
      } finally {
        await mine.close();
        await theirs.close();
      }
    });
  });
});
