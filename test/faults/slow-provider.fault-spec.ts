import { insertBookedCustomers, insertDueRows, statusCounts } from '../../bench/support/seed';
import { SmtpPeer } from '../support/smtp-peer';
import { FaultRun, faultSize } from './support/fault-run';
import { faults, NO_FAULTS, pendingCount, printTally, rowIds, tally } from './support/tally';

const EMAIL = faultSize('SLOW_EMAIL', 100);
/** Per message: a batch of 100 at 5 sends at once then lasts ~12 s, longer than the suite's 10 s sending lease. */
const SMTP_DELAY_MS = 600;
const TIMEOUT_MS = 30_000;

/**
 * A slow but healthy SMTP server, and no process dies: one batch of emails takes longer to send
 * than NOTIFY_SENDING_TIMEOUT (10 s in this suite). Every email must still go once.
 */
describe('an SMTP server slow enough that a batch outlasts its sending lease', () => {
  let run: FaultRun;
  let peer: SmtpPeer;
  let settled = false;

  beforeAll(async () => {
    run = await FaultRun.open('slow-provider');
    peer = await SmtpPeer.start();
    run.onClose(() => peer.stop());
    peer.slowDown(SMTP_DELAY_MS);
    await insertBookedCustomers(run.db, { customers: EMAIL });
    await run.deploy([{ role: 'scheduler' }, { role: 'worker' }], { SMTP_URL: peer.url, NOTIFY_SEND_CONCURRENCY: 'email=5' });
    await insertDueRows(run.db, { count: EMAIL, channel: 'email', firstDueAt: new Date(), spreadMs: 0, keyPrefix: 'slow' });
    settled = await run.settle(async () => (await pendingCount(run.db)) === 0, TIMEOUT_MS);
  }, 5 * 60_000);

  afterAll(() => run?.close());

  it('gets every email to the server at least once', async () => {
    const counted = tally(await rowIds(run.db, `channel = 'email'`), peer.notificationIds());
    const counts = JSON.stringify(await statusCounts(run.db));
    printTally('slow-provider email', counted, `SMTP answers each message after ${SMTP_DELAY_MS} ms; rows ${counts} after ${TIMEOUT_MS / 1000} s`);
    expect({ lost: counted.lost, unexpected: counted.unexpected }).toEqual({ lost: 0, unexpected: 0 });
  });

  // Each row renews its lease just before its send and is recorded once accepted, so a batch that
  // outlasts the lease keeps the rows it is still to send (before: 100 emails sent 490 times in 60 s).
  it('delivers every email once and records it sent', async () => {
    expect(settled).toBe(true);
    expect(await statusCounts(run.db)).toEqual({ sent: EMAIL });
    const counted = tally(await rowIds(run.db, `channel = 'email'`), peer.notificationIds());
    expect(faults(counted)).toEqual(NO_FAULTS);
  });
});
