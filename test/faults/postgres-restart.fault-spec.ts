import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { LocalPostgres, startPostgres } from '../../scripts/support/local-services';
import { migrateDatabase } from '../../src/core/database/migrate';
import { DueStream, itDeliversEveryMessageOnce, streamWithFaults } from './support/due-stream';
import { FaultRun, faultSize } from './support/fault-run';

const IN_APP = faultSize('POSTGRES_IN_APP', 3000);
const EMAIL = faultSize('POSTGRES_EMAIL', 600);
const DATABASE = 'herald';

/**
 * Postgres, the truth, is restarted while due rows stream out: at half sent its server shuts
 * down (a fast shutdown: sessions are cut, nothing committed is lost) and starts again on the
 * same port. Herald's processes must reconnect and send everything left, each message once.
 */
describe('Postgres restarted mid-run', () => {
  let run: FaultRun;
  let postgres: LocalPostgres;
  let stream: DueStream;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-fault-pg-'));
    postgres = await startPostgres({ dataDir: join(dir, 'pg'), fast: true });
    const admin = new Client({ connectionString: postgres.url('postgres') });
    await admin.connect();
    await admin.query(`create database "${DATABASE}"`);
    await admin.end();
    await migrateDatabase(postgres.url(DATABASE));
    run = await FaultRun.open('postgres-restart', { databaseUrl: postgres.url(DATABASE) });
    run.onClose(async () => {
      await postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    stream = await streamWithFaults(run, {
      inApp: IN_APP,
      email: EMAIL,
      recipients: faultSize('POSTGRES_RECIPIENTS', 300),
      spreadMs: faultSize('POSTGRES_SPREAD_S', 20) * 1000,
      timeoutMs: 120_000,
      faults: [
        {
          name: 'restarting Postgres',
          inflict: async () => {
            await postgres.stop();
            postgres = await startPostgres({ dataDir: join(dir, 'pg'), port: postgres.port, fast: true });
          },
        },
      ],
    });
  }, 10 * 60_000);

  afterAll(() => run?.close());

  itDeliversEveryMessageOnce('postgres-restart', () => ({ run, stream, inApp: IN_APP, email: EMAIL, note: 'Postgres restarted' }));
});
