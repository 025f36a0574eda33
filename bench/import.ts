/**
 * Bulk import throughput: N bookings through BookingImportService (validation, one users query
 * and one insert statement per batch of 1,000; the check and the write timed apart), then the
 * same number again from a CSV file through the `bookings:import` path (read, check, stream in
 * batches, each written while the next is checked).
 *
 *   npm run bench:import                 (N=20000)
 *   BENCH_IMPORT_N=100000 npm run bench:import
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthUser, Role } from '../src/auth/role';
import { BookingImportService, IMPORT_BATCH_LIMIT } from '../src/bookings/booking-import.service';
import { importBookingsFile } from '../src/bookings/bookings.commands';
import { BookingsModule } from '../src/bookings/bookings.module';
import { ImportFormat } from '../src/bookings/import-file';
import { loadConfig, ProcessRole } from '../src/core/config/herald-config';
import { CoreModule } from '../src/core/core.module';
import { Locale, User } from '../src/users/user.entity';
import { withBenchServices } from './support/services';

const N = Number(process.env.BENCH_IMPORT_N ?? 20_000);
const PROVIDERS = 200;
const CUSTOMERS = 5_000;
const HOUR = 3_600_000;

/** N items that never overlap: each provider gets consecutive one-hour slots, starting tomorrow. */
function items(providers: User[], customers: User[], firstHour: number): Record<string, string>[] {
  const start = Math.ceil(Date.now() / HOUR) * HOUR + (24 + firstHour) * HOUR;
  return Array.from({ length: N }, (_, i) => {
    const startsAt = start + Math.floor(i / providers.length) * HOUR;
    return {
      customerId: customers[i % customers.length].id,
      providerId: providers[i % providers.length].id,
      serviceName: 'Haircut',
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + HOUR).toISOString(),
      timezone: 'Asia/Tashkent',
      address: 'Amir Temur Ave 15',
      postalCode: '100000',
      price: '150000',
      currency: 'UZS',
    };
  });
}

async function main(): Promise<void> {
  await withBenchServices(async ({ databaseUrl, redisUrl, dir }) => {
    const config = loadConfig({
      NODE_ENV: 'test',
      HERALD_ROLE: ProcessRole.Api,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: 'bench',
      AUTH_JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256',
      LOG_LEVEL: 'warn',
    });
    @Module({ imports: [CoreModule.forRoot(config), BookingsModule] })
    class BenchModule {}
    const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['warn', 'error'] });
    try {
      const em = app.get(MikroORM).em.fork();
      const person = (name: string, roles: Role[]) => em.create(User, { name, email: `${name}@bench.test`, roles, locale: Locale.en, timezone: 'Asia/Tashkent' });
      const ops = person('ops', [Role.ops]);
      const providers = Array.from({ length: PROVIDERS }, (_, i) => person(`provider${i}`, [Role.provider]));
      const customers = Array.from({ length: CUSTOMERS }, (_, i) => person(`customer${i}`, [Role.customer]));
      await em.flush();
      const actor = new AuthUser(ops.id, ops.roles);
      const importer = app.get(BookingImportService);

      // importMany is check + write; timed apart to show what validation and the insert each cost.
      const viaService = items(providers, customers, 0);
      let created = 0;
      let checkMs = 0;
      let writeMs = 0;
      for (let i = 0; i < viaService.length; i += IMPORT_BATCH_LIMIT) {
        const checkStarted = performance.now();
        const checked = await importer.check(actor, viaService.slice(i, i + IMPORT_BATCH_LIMIT));
        const writeStarted = performance.now();
        created += (await importer.write(checked)).created;
        checkMs += writeStarted - checkStarted;
        writeMs += performance.now() - writeStarted;
      }
      if (created !== N) throw new Error(`expected ${N} created through the service, got ${created}`);

      // The file's slots start after the last one imported above, so none overlaps.
      const fileItems = items(providers, customers, Math.ceil(N / PROVIDERS) + 1);
      const columns = Object.keys(fileItems[0]);
      const csv = join(dir, 'bookings.csv');
      writeFileSync(csv, [columns.join(','), ...fileItems.map((item) => columns.map((column) => item[column]).join(','))].join('\n') + '\n');
      const fileStarted = performance.now();
      const summary = await importBookingsFile(importer, actor, csv, ImportFormat.Csv, { write: () => true });
      const fileMs = performance.now() - fileStarted;
      if (summary.created !== N) throw new Error(`expected ${N} created from the file, got ${summary.created} (${JSON.stringify(summary.failures)})`);

      const rate = (ms: number) => Math.round((N / ms) * 1000).toLocaleString('en-US');
      console.log(`\nImport of ${N.toLocaleString('en-US')} bookings (${PROVIDERS} providers, ${CUSTOMERS} customers), batches of ${IMPORT_BATCH_LIMIT}`);
      const line = (label: string, ms: number) => console.log(`  ${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms  ${rate(ms).padStart(7)} bookings/s`);
      line('importMany: check (validation, users query)', checkMs);
      line('importMany: write (the insert statement)', writeMs);
      line('importMany: both', checkMs + writeMs);
      line('CSV file via bookings:import (read twice)', fileMs);
    } finally {
      await app.close();
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
