import { randomUUID } from 'node:crypto';
import { Persona, startTestApp, TestApp } from './support/test-app';
import { BOOKING, BookingView, CANCEL, createBooking, dataOf, errorOf, snapshotCounts } from './bookings.fixtures';

const PAYMENT_FIELDS = 'id bookingId status amount currency heldSince capturedAt refundedAt';
const HOLD = `mutation ($paymentId: ID!) { holdPayment(paymentId: $paymentId) { ${PAYMENT_FIELDS} } }`;
const CAPTURE = `mutation ($paymentId: ID!) { capturePayment(paymentId: $paymentId) { ${PAYMENT_FIELDS} } }`;
const REFUND = `mutation ($paymentId: ID!) { refundPayment(paymentId: $paymentId) { ${PAYMENT_FIELDS} } }`;
const REQUEST_SIGNATURE = `mutation ($bookingId: ID!) { requestSignature(bookingId: $bookingId) { id bookingId status requestedAt signedAt } }`;
const MARK_SIGNED = `mutation ($id: ID!) { markSigned(signatureRequestId: $id) { id bookingId status requestedAt signedAt } }`;

interface PaymentView {
  id: string;
  bookingId: string;
  status: string;
  amount: string;
  currency: string;
  heldSince: string | null;
  capturedAt: string | null;
  refundedAt: string | null;
}
interface SignatureView {
  id: string;
  bookingId: string;
  status: string;
  requestedAt: string;
  signedAt: string | null;
}

const HOUR = 3_600_000;

describe('bookings: payments and signatures (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());
  afterEach(() => t.clock.reset());

  const paymentRow = async (id: string) =>
    (await t.orm.em.getConnection().execute<{ status: string; held_since: Date | null }[]>(`select status, held_since from payments where id = ?`, [id]))[0];

  it('holds, captures and refunds a payment, stamping each step with the clock', async () => {
    const booking = await createBooking(t, { price: '99.5', currency: 'USD' });
    const [payment] = booking.payments;
    expect(payment).toMatchObject({ status: 'pending', amount: '99.50', currency: 'USD', bookingId: booking.id });

    t.clock.travel(3 * HOUR);
    const held = dataOf(await t.gql<{ holdPayment: PaymentView }>(HOLD, { paymentId: payment.id }, t.tokens.finance)).holdPayment;
    expect(held).toMatchObject({ id: payment.id, status: 'held', bookingId: booking.id });
    expect(Math.abs(new Date(held.heldSince!).getTime() - t.clock.now().getTime())).toBeLessThan(5_000);

    const captured = dataOf(await t.gql<{ capturePayment: PaymentView }>(CAPTURE, { paymentId: payment.id }, t.tokens.ops)).capturePayment;
    expect(captured).toMatchObject({ status: 'captured', heldSince: held.heldSince });
    expect(captured.capturedAt).toEqual(expect.any(String));

    const refunded = dataOf(await t.gql<{ refundPayment: PaymentView }>(REFUND, { paymentId: payment.id }, t.tokens.admin)).refundPayment;
    expect(refunded.status).toBe('refunded');
    expect(await paymentRow(payment.id)).toMatchObject({ status: 'refunded' });

    // The booking shows its payment as it is now.
    const seen = dataOf(await t.gql<{ booking: BookingView }>(BOOKING, { id: booking.id }, t.tokens.customer)).booking;
    expect(seen.payments).toEqual([expect.objectContaining({ id: payment.id, status: 'refunded' })]);
  });

  it('captures straight from pending', async () => {
    const { payments } = await createBooking(t);
    expect(dataOf(await t.gql<{ capturePayment: PaymentView }>(CAPTURE, { paymentId: payments[0].id }, t.tokens.finance)).capturePayment).toMatchObject({
      status: 'captured',
      heldSince: null,
    });
  });

  it('refuses illegal payment transitions with CONFLICT and the current status, changing nothing', async () => {
    const { payments } = await createBooking(t);
    const paymentId = payments[0].id;
    const refund = errorOf(await t.gql(REFUND, { paymentId }, t.tokens.finance));
    expect(refund.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ILLEGAL_TRANSITION', entity: 'Payment', currentStatus: 'pending' });
    expect(await paymentRow(paymentId)).toMatchObject({ status: 'pending', held_since: null });

    dataOf(await t.gql(HOLD, { paymentId }, t.tokens.finance));
    const holdAgain = errorOf(await t.gql(HOLD, { paymentId }, t.tokens.finance));
    expect(holdAgain.extensions).toMatchObject({ code: 'CONFLICT', currentStatus: 'held' });
    dataOf(await t.gql(CAPTURE, { paymentId }, t.tokens.finance));
    expect(errorOf(await t.gql(HOLD, { paymentId }, t.tokens.finance)).extensions).toMatchObject({ code: 'CONFLICT', currentStatus: 'captured' });
    dataOf(await t.gql(REFUND, { paymentId }, t.tokens.finance));
    expect(errorOf(await t.gql(CAPTURE, { paymentId }, t.tokens.finance)).extensions).toMatchObject({ code: 'CONFLICT', currentStatus: 'refunded' });
    expect(await paymentRow(paymentId)).toMatchObject({ status: 'refunded' });
  });

  it('captures only once when two clerks press at the same time', async () => {
    const { payments } = await createBooking(t);
    const results = await Promise.all([
      t.gql(CAPTURE, { paymentId: payments[0].id }, t.tokens.finance),
      t.gql(CAPTURE, { paymentId: payments[0].id }, t.tokens.ops),
    ]);
    expect(results.map((r) => (r.errors ? r.errors[0].extensions?.code : 'ok')).sort()).toEqual(['CONFLICT', 'ok']);
  });

  it.each(['customer', 'provider'] as const)('%s may not touch payments or signatures', async (persona: Persona) => {
    const booking = await createBooking(t);
    const before = await snapshotCounts(t);
    for (const query of [HOLD, CAPTURE, REFUND]) {
      expect(errorOf(await t.gql(query, { paymentId: booking.payments[0].id }, t.tokens[persona])).extensions.code).toBe('FORBIDDEN');
    }
    expect(errorOf(await t.gql(REQUEST_SIGNATURE, { bookingId: booking.id }, t.tokens[persona])).extensions.code).toBe('FORBIDDEN');
    expect(await snapshotCounts(t)).toEqual(before);
    expect(await paymentRow(booking.payments[0].id)).toMatchObject({ status: 'pending' });
  });

  it('refuses malformed and unknown payment ids', async () => {
    expect(errorOf(await t.gql(HOLD, { paymentId: '42' }, t.tokens.finance)).extensions.code).toBe('BAD_USER_INPUT');
    expect(errorOf(await t.gql(HOLD, { paymentId: randomUUID() }, t.tokens.finance)).extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'PAYMENT_NOT_FOUND' });
  });

  describe('signatures', () => {
    it('requests a signature and marks it signed; the booking shows it to its customer', async () => {
      const booking = await createBooking(t);
      const requested = dataOf(await t.gql<{ requestSignature: SignatureView }>(REQUEST_SIGNATURE, { bookingId: booking.id }, t.tokens.ops)).requestSignature;
      expect(requested).toMatchObject({ bookingId: booking.id, status: 'pending', signedAt: null });
      expect(Math.abs(new Date(requested.requestedAt).getTime() - t.clock.now().getTime())).toBeLessThan(5_000);

      const pending = dataOf(await t.gql<{ booking: BookingView }>(BOOKING, { id: booking.id }, t.tokens.customer)).booking;
      expect(pending.signatureRequests).toEqual([expect.objectContaining({ id: requested.id, status: 'pending' })]);

      t.clock.travel(HOUR);
      const signed = dataOf(await t.gql<{ markSigned: SignatureView }>(MARK_SIGNED, { id: requested.id }, t.tokens.finance)).markSigned;
      expect(signed.status).toBe('signed');
      expect(new Date(signed.signedAt!).getTime()).toBeGreaterThan(new Date(requested.requestedAt).getTime() + HOUR - 5_000);

      expect(errorOf(await t.gql(MARK_SIGNED, { id: requested.id }, t.tokens.finance)).extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'ILLEGAL_TRANSITION',
        currentStatus: 'signed',
      });
    });

    it('refuses a signature for a cancelled booking, an unknown booking, and markSigned by a customer', async () => {
      const booking = await createBooking(t);
      const request = dataOf(await t.gql<{ requestSignature: SignatureView }>(REQUEST_SIGNATURE, { bookingId: booking.id }, t.tokens.admin)).requestSignature;
      expect(errorOf(await t.gql(MARK_SIGNED, { id: request.id }, t.tokens.customer)).extensions.code).toBe('FORBIDDEN');
      dataOf(await t.gql(CANCEL, { id: booking.id }, t.tokens.customer));
      const before = await snapshotCounts(t);
      expect(errorOf(await t.gql(REQUEST_SIGNATURE, { bookingId: booking.id }, t.tokens.ops)).extensions).toMatchObject({ code: 'CONFLICT', currentStatus: 'cancelled' });
      expect(errorOf(await t.gql(REQUEST_SIGNATURE, { bookingId: randomUUID() }, t.tokens.ops)).extensions.code).toBe('NOT_FOUND');
      expect(errorOf(await t.gql(MARK_SIGNED, { id: randomUUID() }, t.tokens.ops)).extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'SIGNATURE_REQUEST_NOT_FOUND' });
      expect(await snapshotCounts(t)).toEqual(before);
    });
  });
});
