import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AuthUser, Role } from '../src/auth/role';
import { BookingImportService } from '../src/bookings/booking-import.service';
import { importBookingsFile } from '../src/bookings/bookings.commands';
import { ImportFileError, ImportFormat } from '../src/bookings/import-file';
import { ProgressOutput } from '../src/core/cli/progress-bar';
import { BOOKING, BookingView, CREATE_BOOKING, bookingInput, createBooking, dataOf, errorOf, eventRows, freshSlot, snapshotCounts } from './bookings.fixtures';
import { Persona, startTestApp, TestApp } from './support/test-app';

const IMPORT = `mutation Import($input: [CreateBookingInput!]!) {
  importBookings(input: $input) { created failed items { index bookingId error { code reason message fields { field problems } } } }
}`;

interface ImportItemView {
  index: number;
  bookingId: string | null;
  error: { code: string; reason: string; message: string; fields: { field: string; problems: string[] }[] | null } | null;
}
interface ImportResultView {
  created: number;
  failed: number;
  items: ImportItemView[];
}

const HOUR = 3_600_000;
const COLUMNS = ['customerId', 'providerId', 'serviceName', 'startsAt', 'endsAt', 'timezone', 'address', 'postalCode', 'note', 'price', 'currency'];

describe('bookings: bulk import (e2e)', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp();
    dir = mkdtempSync(join(tmpdir(), 'herald-import-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  /** A createBooking input as staff send it: with the customer named. */
  const staffInput = (overrides: Record<string, unknown> = {}) => bookingInput(t, { customerId: t.users.customer.id, ...overrides });
  const importAs = (persona: Persona, input: unknown[]) => t.gql<{ importBookings: ImportResultView }>(IMPORT, { input }, t.tokens[persona]);

  /** Distinct inserting transactions of these bookings' rows in bookings, booking_events and payments. */
  async function writingTransactions(bookingIds: string[]): Promise<number> {
    const marks = bookingIds.map(() => '?').join(', ');
    const [row] = await t.orm.em.getConnection().execute<{ n: number }[]>(
      `select count(distinct x)::int as n from (
         select xmin::text as x from bookings where id in (${marks})
         union all select xmin::text from booking_events where booking_id in (${marks})
         union all select xmin::text from payments where booking_id in (${marks})) rows`,
      [...bookingIds, ...bookingIds, ...bookingIds],
    );
    return row.n;
  }

  describe('importBookings', () => {
    it('creates every item with its created event and pending payment, in one transaction', async () => {
      const items = [
        staffInput({ note: 'first visit' }),
        staffInput({ customerId: t.users.otherCustomer.id, address: null, postalCode: null }),
        staffInput({ providerId: t.users.otherProvider.id, price: '99.5', currency: 'USD', timezone: 'Europe/Berlin' }),
      ];
      const before = await snapshotCounts(t);

      const result = dataOf(await importAs('ops', items)).importBookings;

      expect(result).toMatchObject({ created: 3, failed: 0 });
      expect(result.items.map(({ index, error }) => ({ index, error }))).toEqual([0, 1, 2].map((index) => ({ index, error: null })));
      const ids = result.items.map((item) => item.bookingId!);
      const prices = ['150000.00', '150000.00', '99.50'];
      for (const [index, id] of ids.entries()) {
        const booking = dataOf(await t.gql<{ booking: BookingView }>(BOOKING, { id }, t.tokens.ops)).booking;
        const input = items[index];
        expect(booking).toMatchObject({
          status: 'pending',
          version: 1,
          serviceName: input.serviceName,
          startsAt: input.startsAt,
          endsAt: input.endsAt,
          timezone: input.timezone,
          address: input.address,
          postalCode: input.postalCode,
          note: input.note ?? null,
          price: prices[index],
          currency: input.currency,
          customer: { id: input.customerId },
          provider: { id: input.providerId },
        });
        expect(booking.payments).toEqual([expect.objectContaining({ amount: prices[index], currency: input.currency, status: 'pending' })]);
        expect(await eventRows(t, id)).toEqual([{ type: 'created', booking_version: 1, actor_id: t.users.ops.id, data: {} }]);
      }
      expect(await snapshotCounts(t)).toEqual({ ...before, bookings: before.bookings + 3, payments: before.payments + 3, booking_events: before.booking_events + 3 });
      expect(await writingTransactions(ids)).toBe(1);
    });

    it('keeps the good items of a mixed batch and refuses each bad one with the error createBooking gives for it', async () => {
      const existing = await createBooking(t, {}, 'customer');
      const taken = { startsAt: new Date(Date.parse(existing.startsAt) + HOUR / 2).toISOString(), endsAt: new Date(Date.parse(existing.endsAt) + HOUR / 2).toISOString() };
      const shared = freshSlot(t);
      const past = t.clock.now().getTime() - HOUR;
      const items = [
        staffInput(),
        staffInput({ timezone: 'Mars/Olympus_Mons', price: '-5' }),
        staffInput({ providerId: randomUUID() }),
        staffInput({ providerId: t.users.otherCustomer.id }),
        staffInput({ customerId: randomUUID() }),
        bookingInput(t),
        staffInput({ startsAt: new Date(past).toISOString(), endsAt: new Date(past + HOUR).toISOString() }),
        staffInput(taken),
        staffInput(shared),
        staffInput({ ...shared, customerId: t.users.otherCustomer.id }),
        staffInput({ ...shared, providerId: t.users.otherProvider.id }),
      ];
      const before = await snapshotCounts(t);

      const result = dataOf(await importAs('ops', items)).importBookings;

      expect(result.items.map((item) => item.index)).toEqual(items.map((_item, index) => index));
      expect(result.items.map((item) => (item.error ? [item.error.code, item.error.reason] : 'created'))).toEqual([
        'created',
        ['BAD_USER_INPUT', 'INVALID_INPUT'],
        ['NOT_FOUND', 'USER_NOT_FOUND'],
        ['BAD_USER_INPUT', 'USER_LACKS_ROLE'],
        ['NOT_FOUND', 'USER_NOT_FOUND'],
        ['BAD_USER_INPUT', 'BOOKING_CUSTOMER_REQUIRED'],
        ['BAD_USER_INPUT', 'BOOKING_STARTS_IN_PAST'],
        ['CONFLICT', 'BOOKING_OVERLAPS'],
        'created',
        ['CONFLICT', 'BOOKING_OVERLAPS'],
        'created',
      ]);
      expect(result).toMatchObject({ created: 3, failed: 8 });
      expect(result.items[1].error!.fields!.map((field) => field.field).sort()).toEqual(['price', 'timezone']);
      expect(result.items[5].error!.fields).toEqual([{ field: 'customerId', problems: [result.items[5].error!.message] }]);
      // Only the kept items were written, each whole.
      expect(await snapshotCounts(t)).toEqual({ ...before, bookings: before.bookings + 3, payments: before.payments + 3, booking_events: before.booking_events + 3 });
      for (const item of result.items.filter((item) => item.bookingId)) expect(await eventRows(t, item.bookingId!)).toHaveLength(1);

      // createBooking, given each refused item now, refuses it the same way.
      for (const item of result.items.filter((item) => item.error)) {
        const refused = errorOf(await t.gql(CREATE_BOOKING, { input: items[item.index] }, t.tokens.ops));
        expect({ index: item.index, code: refused.extensions.code, reason: refused.extensions.reason, message: refused.message }).toEqual({
          index: item.index,
          code: item.error!.code,
          reason: item.error!.reason,
          message: item.error!.message,
        });
        if (refused.extensions.fields) expect(item.error!.fields).toEqual(refused.extensions.fields);
      }
    });

    it('takes 1,000 items in one call and refuses 1,001 as a whole, writing nothing', async () => {
      const start = t.clock.now().getTime() + 400 * 24 * HOUR;
      const items = Array.from({ length: 1001 }, (_, i) =>
        staffInput({ startsAt: new Date(start + i * HOUR).toISOString(), endsAt: new Date(start + (i + 1) * HOUR).toISOString(), note: 'n'.repeat(300) }),
      );
      const before = await snapshotCounts(t);

      const tooMany = errorOf(await importAs('ops', items));
      expect(tooMany.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'input', problems: ['must contain at most 1000 items'] }] });
      expect(await snapshotCounts(t)).toEqual(before);

      const result = dataOf(await importAs('ops', items.slice(0, 1000))).importBookings;
      expect(result).toMatchObject({ created: 1000, failed: 0 });
      expect((await snapshotCounts(t)).booking_events).toBe(before.booking_events + 1000);
    });

    it('answers an empty list with an empty result', async () => {
      expect(dataOf(await importAs('admin', [])).importBookings).toEqual({ created: 0, failed: 0, items: [] });
    });

    it.each<Persona>(['customer', 'provider', 'finance'])('refuses %s callers with FORBIDDEN, writing nothing', async (persona) => {
      const before = await snapshotCounts(t);
      const error = errorOf(await importAs(persona, [staffInput({ customerId: t.users[persona].id })]));
      expect(error.extensions.code).toBe('FORBIDDEN');
      expect(await snapshotCounts(t)).toEqual(before);
    });

    it('lets admins import too', async () => {
      const result = dataOf(await importAs('admin', [staffInput()])).importBookings;
      expect(result.created).toBe(1);
      expect(await eventRows(t, result.items[0].bookingId!)).toEqual([expect.objectContaining({ actor_id: t.users.admin.id })]);
    });
  });

  describe('bookings:import FILE', () => {
    const ops = () => new AuthUser(t.users.ops.id, [Role.ops]);
    const importer = () => t.app.get(BookingImportService);

    /** An output that keeps what the progress bar wrote. */
    function output(isTTY: boolean): ProgressOutput & { text: () => string } {
      const written: string[] = [];
      return { isTTY, write: (text: string) => written.push(text), text: () => written.join('') };
    }

    const csvCell = (value: unknown) => {
      const text = value == null ? '' : String(value);
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    };
    function writeCsv(name: string, rows: Record<string, unknown>[], columns = COLUMNS): string {
      const path = join(dir, name);
      writeFileSync(path, [columns.join(','), ...rows.map((row) => columns.map((column) => csvCell(row[column])).join(','))].join('\r\n') + '\r\n');
      return path;
    }

    it('imports a CSV file, quoted fields and empty cells included, reporting bad lines by number', async () => {
      const good = staffInput({ note: 'Bring "the" dog,\nplease', address: 'Navoi St 5, apt "7"' });
      const blank = staffInput({ address: '', postalCode: '' });
      const overlapping = staffInput({ startsAt: good.startsAt, endsAt: good.endsAt, note: '' });
      const path = writeCsv('mixed.csv', [good, staffInput({ currency: 'usd' }), blank, overlapping]);
      writeFileSync(path, `${t.users.customer.id},${t.users.provider.id},too few\n`, { flag: 'a' });
      const before = await snapshotCounts(t);
      const progress = output(false);

      const summary = await importBookingsFile(importer(), ops(), path, ImportFormat.Csv, progress);

      expect(summary).toMatchObject({ total: 5, created: 2, failed: 3 });
      expect(summary.failures).toEqual([
        expect.objectContaining({ line: 4, code: 'BAD_USER_INPUT', reason: 'INVALID_INPUT', message: expect.stringContaining('currency') }),
        expect.objectContaining({ line: 6, code: 'CONFLICT', reason: 'BOOKING_OVERLAPS' }),
        { line: 7, code: 'BAD_USER_INPUT', reason: 'INVALID_INPUT', message: 'line 7 has 3 fields, the header has 11' },
      ]);
      expect(progress.text()).toMatch(/\] 5\/5 bookings [\d,]+\/s\n$/);
      expect(await snapshotCounts(t)).toMatchObject({ bookings: before.bookings + 2, booking_events: before.booking_events + 2 });
      const [stored] = await t.orm.em
        .getConnection()
        .execute<{ note: string; address: string }[]>(`select note, address from bookings where starts_at = ? and provider_id = ?`, [good.startsAt, good.providerId]);
      expect(stored).toEqual({ note: 'Bring "the" dog,\nplease', address: 'Navoi St 5, apt "7"' });
      const [emptied] = await t.orm.em
        .getConnection()
        .execute<{ address: string | null; postal_code: string | null }[]>(`select address, postal_code from bookings where starts_at = ? and provider_id = ?`, [blank.startsAt, blank.providerId]);
      expect(emptied).toEqual({ address: null, postal_code: null });
    });

    it('imports JSON lines, skipping blank lines and reporting lines that are not JSON', async () => {
      const path = join(dir, 'bookings.jsonl');
      const lines = [JSON.stringify(staffInput()), '', '{"providerId": ', JSON.stringify(staffInput({ address: null, note: null })), '42'];
      writeFileSync(path, lines.join('\n') + '\n');
      const before = await snapshotCounts(t);

      const summary = await importBookingsFile(importer(), ops(), path, ImportFormat.JsonLines, output(false));

      expect(summary).toMatchObject({ total: 4, created: 2, failed: 2 });
      expect(summary.failures).toEqual([
        expect.objectContaining({ line: 3, code: 'BAD_USER_INPUT', message: expect.stringMatching(/^line 3 is not valid JSON/) }),
        expect.objectContaining({ line: 5, code: 'BAD_USER_INPUT', message: expect.stringContaining('Expected an object') }),
      ]);
      expect((await snapshotCounts(t)).bookings).toBe(before.bookings + 2);
    });

    it('streams a file of several batches in order: a later line loses an overlap with an earlier batch', async () => {
      const start = t.clock.now().getTime() + 600 * 24 * HOUR;
      const rows = Array.from({ length: 2500 }, (_, i) =>
        staffInput({ startsAt: new Date(start + i * HOUR).toISOString(), endsAt: new Date(start + (i + 1) * HOUR).toISOString() }),
      );
      rows[2100] = { ...rows[2100], startsAt: rows[10].startsAt, endsAt: rows[10].endsAt };
      const path = writeCsv('many.csv', rows);
      const progress = output(true);

      const summary = await importBookingsFile(importer(), ops(), path, ImportFormat.Csv, progress);

      expect(summary).toMatchObject({ total: 2500, created: 2499, failed: 1 });
      expect(summary.failures).toEqual([expect.objectContaining({ line: 2102, reason: 'BOOKING_OVERLAPS' })]);
      expect(progress.text()).toContain('\r[########............] 1,000/2,500 bookings');
      expect(progress.text()).toMatch(/\r\[#{20}\] 2,500\/2,500 bookings [\d,]+\/s *\n$/);
    });

    it('refuses a file with an unknown column before writing anything', async () => {
      const path = writeCsv('unknown-column.csv', [{ ...staffInput(), colour: 'red' }], [...COLUMNS, 'colour']);
      const before = await snapshotCounts(t);
      await expect(importBookingsFile(importer(), ops(), path, ImportFormat.Csv, output(false))).rejects.toThrow(ImportFileError);
      await expect(importBookingsFile(importer(), ops(), path, ImportFormat.Csv, output(false))).rejects.toThrow(/Unknown column\(s\) "colour" on line 1/);
      expect(await snapshotCounts(t)).toEqual(before);
    });

    it('refuses an actor who is not ops or admin', async () => {
      const path = writeCsv('as-customer.csv', [staffInput()]);
      const before = await snapshotCounts(t);
      await expect(importBookingsFile(importer(), new AuthUser(t.users.customer.id, [Role.customer]), path, ImportFormat.Csv, output(false))).rejects.toMatchObject({
        kind: 'FORBIDDEN',
      });
      expect(await snapshotCounts(t)).toEqual(before);
    });

    it('runs as a command: a summary, the progress on stderr, and exit code 1 only when a line failed', async () => {
      const run = promisify(execFile);
      const env = {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: t.config.DATABASE_URL,
        REDIS_URL: t.config.REDIS_URL,
        REDIS_KEY_PREFIX: t.config.REDIS_KEY_PREFIX,
        AUTH_JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256',
        LOG_LEVEL: 'silent',
      };
      const cli = (...args: string[]) =>
        run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli.ts', 'bookings:import', ...args], { cwd: join(__dirname, '..'), env }).then(
          ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
          (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
        );
      const good = writeCsv('cli-good.data', [staffInput(), staffInput()]);
      const mixedRows = [staffInput(), staffInput({ providerId: randomUUID() })];
      const mixed = join(dir, 'cli-mixed.ndjson');
      writeFileSync(mixed, mixedRows.map((row) => JSON.stringify(row)).join('\n'));

      const [ok, failed] = await Promise.all([cli(good, '--format', 'csv', '--as', 'ops@herald.test'), cli(mixed, '--as', t.users.admin.id)]);

      expect(ok).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Imported 2 of 2 bookings \([\d,]+\/s\); 0 failed\.\n$/) });
      expect(ok.stderr).toMatch(/\[#{20}\] 2\/2 bookings/);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toContain('Imported 1 of 2 bookings');
      expect(failed.stdout).toContain(`line 2: NOT_FOUND USER_NOT_FOUND: User ${mixedRows[1].providerId} does not exist`);
      expect(failed.stderr).toContain('1 booking(s) were not imported');
      const [row] = await t.orm.em
        .getConnection()
        .execute<{ actor_id: string }[]>(
          `select e.actor_id from booking_events e join bookings b on b.id = e.booking_id where b.starts_at = ? and b.provider_id = ?`,
          [mixedRows[0].startsAt, mixedRows[0].providerId],
        );
      expect(row.actor_id).toBe(t.users.admin.id);
    }, 120_000);
  });
});
