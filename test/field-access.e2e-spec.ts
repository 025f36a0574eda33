import { GraphQLSchemaHost } from '@nestjs/graphql';
import { GraphQLObjectType } from 'graphql';
import { PRIVATE_USER_FIELDS, PUBLIC_USER_FIELDS } from '../src/users/user-field-access';
import { BookingView, createBooking, dataOf } from './bookings.fixtures';
import { GqlResult, Persona, startTestApp, TestApp } from './support/test-app';

/** Every private field of User, as a selection. */
const PRIVATE = Object.keys(PRIVATE_USER_FIELDS) as (keyof typeof PRIVATE_USER_FIELDS)[];
const SEEN_BY_ALL = 'id name timezone';

type Party = 'customer' | 'provider';

const partyField = (party: Party, field: string) => `query($id: ID!) { booking(id: $id) { id ${party} { ${SEEN_BY_ALL} ${field} } } }`;

describe('users: which fields of a user each caller sees (e2e)', () => {
  let t: TestApp;
  let booking: BookingView;

  beforeAll(async () => {
    t = await startTestApp();
    booking = await createBooking(t);
  });
  afterAll(() => t?.close());

  const ask = (as: Persona, party: Party, field: string) => t.gql<{ booking: Record<Party, Record<string, unknown>> | null }>(partyField(party, field), { id: booking.id }, t.tokens[as]);

  /** The field came back, and the party's name and time zone with it. */
  const expectSeen = (result: GqlResult<{ booking: Record<Party, Record<string, unknown>> | null }>, party: Party, field: string) => {
    const seen = dataOf(result).booking![party];
    expect(seen).toHaveProperty(field);
    expect(seen).toMatchObject({ name: expect.any(String), timezone: 'Asia/Tashkent' });
  };

  const expectForbidden = (result: GqlResult<unknown>, party: Party, field: string) => {
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toMatchObject({ path: ['booking', party, field], extensions: { code: 'FORBIDDEN', reason: 'USER_FIELD_HIDDEN', field } });
  };

  describe('parties of a booking', () => {
    it('see each other’s id, name and time zone', async () => {
      for (const [as, party] of [['customer', 'provider'], ['provider', 'customer']] as const) {
        const seen = dataOf(await ask(as, party, '')).booking![party];
        expect(seen).toEqual({ id: t.users[party].id, name: t.users[party].name, timezone: 'Asia/Tashkent' });
      }
    });

    it.each(PRIVATE)('a customer gets FORBIDDEN for their provider’s %s', async (field) => {
      expectForbidden(await ask('customer', 'provider', field), 'provider', field);
    });

    it('a provider sees the phone of their own booking’s customer, to call them', async () => {
      const result = await ask('provider', 'customer', 'phone');
      expectSeen(result, 'customer', 'phone');
      expect(result.data!.booking!.customer.phone).toBe(t.users.customer.phone);
    });

    it.each(PRIVATE.filter((field) => field !== 'phone'))('a provider gets FORBIDDEN for their customer’s %s', async (field) => {
      expectForbidden(await ask('provider', 'customer', field), 'customer', field);
    });

    it.each(PRIVATE)('finance gets FORBIDDEN for the customer’s %s', async (field) => {
      expectForbidden(await ask('finance', 'customer', field), 'customer', field);
    });
  });

  describe('everything', () => {
    it.each(['ops', 'admin'] as const)('%s sees every field of both parties', async (as) => {
      for (const party of ['customer', 'provider'] as const) {
        const seen = dataOf(await ask(as, party, PRIVATE.join(' '))).booking![party];
        expect(seen).toMatchObject({ email: t.users[party].email, phone: t.users[party].phone, roles: t.users[party].roles, postalCode: t.users[party].postalCode });
      }
    });

    it.each(['customer', 'provider'] as const)('the %s sees every field of themself on the booking', async (as) => {
      const seen = dataOf(await ask(as, as, PRIVATE.join(' '))).booking![as];
      expect(seen).toMatchObject({ email: t.users[as].email, phone: t.users[as].phone, roles: t.users[as].roles });
    });

    it.each(['customer', 'provider', 'finance'] as const)('%s sees every field of themself through me', async (as) => {
      const me = dataOf(await t.gql<{ me: Record<string, unknown> }>(`{ me { ${SEEN_BY_ALL} ${PRIVATE.join(' ')} } }`, {}, t.tokens[as])).me;
      expect(me).toMatchObject({ id: t.users[as].id, email: t.users[as].email, phone: t.users[as].phone, roles: t.users[as].roles });
    });
  });

  it('over bookingChanged, a provider sees the customer’s phone and not their email', async () => {
    const subscription = await t.subscribe<{ bookingChanged: { booking: { customer: Record<string, unknown> } } }>(
      `subscription($id: ID) { bookingChanged(bookingId: $id) { booking { customer { name phone email } } } }`,
      { id: booking.id },
      t.tokens.provider,
    );
    try {
      dataOf(await t.gql(`mutation($id: ID!) { confirmBooking(id: $id) { id } }`, { id: booking.id }, t.tokens.provider));
      const event = await subscription.next();
      expect(event.errors).toEqual([expect.objectContaining({ path: ['bookingChanged', 'booking', 'customer', 'email'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
      const phoneOnly = await t.subscribe<{ bookingChanged: { booking: { customer: Record<string, unknown> } } }>(
        `subscription($id: ID) { bookingChanged(bookingId: $id) { booking { customer { name phone } } } }`,
        { id: booking.id },
        t.tokens.provider,
      );
      try {
        dataOf(await t.gql(`mutation($id: ID!) { cancelBooking(id: $id) { id } }`, { id: booking.id }, t.tokens.provider));
        expect(dataOf(await phoneOnly.next()).bookingChanged.booking.customer).toEqual({ name: t.users.customer.name, phone: t.users.customer.phone });
      } finally {
        await phoneOnly.close();
      }
    } finally {
      await subscription.close();
    }
  });

  it('classifies every field of User as seen by all or private', () => {
    const user = t.app.get(GraphQLSchemaHost).schema.getType('User') as GraphQLObjectType;
    expect(Object.keys(user.getFields()).sort()).toEqual([...PUBLIC_USER_FIELDS, ...PRIVATE].sort());
  });
});
