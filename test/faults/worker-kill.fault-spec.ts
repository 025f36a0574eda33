import { Deployment } from '../../bench/support/herald';
import { insertBookedCustomers, insertDueRows, statusCounts } from '../../bench/support/seed';
import { DeliverySink } from '../../bench/support/sink';
import { SmtpPeer } from '../support/smtp-peer';
import { FaultRun, faultSize } from './support/fault-run';
import { faults, inAppArrivals, NO_FAULTS, pendingCount, printTally, rowIds, tally } from './support/tally';

const KILLS = faultSize('WORKER_KILLS', 5);
const IN_APP_PER_WAVE = faultSize('WORKER_KILL_IN_APP', 1500);
const EMAIL_PER_WAVE = faultSize('WORKER_KILL_EMAIL', 200);
const RECIPIENTS = faultSize('WORKER_KILL_RECIPIENTS', 200);
const IN_APP_SPREAD_MS = 5_000;
const TIMEOUT_MS = 120_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The worker process is SIGKILLed mid-batch, again and again: in each wave email rows fall due
 * at once and in-app rows over the next seconds, and when the SMTP server has taken an
 * email whose row is still `sending`, the worker dies and a new one starts. Leases bring back
 * every row the dead worker held; each message must arrive once.
 */
describe('worker processes SIGKILLed mid-batch', () => {
  let run: FaultRun;
  let peer: SmtpPeer;
  let sink: DeliverySink;
  /** Emails the SMTP server had accepted while their row was still `sending` when their worker died. */
  const acceptedWhenKilled = new Set<string>();
  let settled = false;

  /** In-app rows in flight at each kill. */
  const inAppInFlight: number[] = [];

  /** Emails the SMTP server holds whose row is still `sending`: sent, but Herald has not recorded it. */
  async function acceptedUnrecorded(): Promise<string[]> {
    const ids = peer.notificationIds().filter((id) => UUID.test(id));
    return rowIds(run.db, `status = 'sending' and id = any($1::uuid[])`, [ids]);
  }

  beforeAll(async () => {
    run = await FaultRun.open('worker-kill');
    peer = await SmtpPeer.start();
    run.onClose(() => peer.stop());
    // A little slow, as real servers are: a batch of emails lasts long enough for a kill to land inside it.
    peer.slowDown(20);
    sink = await DeliverySink.open(run.redisUrl, run.keyPrefix);
    run.onClose(() => sink.close());
    await insertBookedCustomers(run.db, { customers: RECIPIENTS });
    const env = { SMTP_URL: peer.url };
    await run.deploy([{ role: 'scheduler' }], env);
    let worker: Deployment = await run.deploy([{ role: 'worker' }], env);
    for (let wave = 1; wave <= KILLS; wave++) {
      const dueAt = new Date();
      // The emails all at once, in big batches; the in-app rows over a few seconds, so both are in flight together.
      await insertDueRows(run.db, { count: IN_APP_PER_WAVE, channel: 'in_app', firstDueAt: dueAt, spreadMs: IN_APP_SPREAD_MS, keyPrefix: `wave-${wave}-in_app` });
      await insertDueRows(run.db, { count: EMAIL_PER_WAVE, channel: 'email', firstDueAt: dueAt, spreadMs: 0, keyPrefix: `wave-${wave}-email` });
      // After a kill the email queue may hold the dead worker's batches until BullMQ finds them
      // stalled, so the trigger is an email of any wave, in-app rows in flight or not.
      await run.waitFor(
        `wave ${wave}: an email accepted but not yet recorded`,
        async () => (await acceptedUnrecorded()).some((id) => !acceptedWhenKilled.has(id)),
        TIMEOUT_MS,
        10,
      );
      inAppInFlight.push(await pendingCount(run.db, `channel = 'in_app' and status = 'sending'`));
      await run.kill(worker);
      for (const id of await acceptedUnrecorded()) acceptedWhenKilled.add(id);
      worker = await run.deploy([{ role: 'worker' }], env);
      // The server answers DATA 20 ms late: a message the dead worker had fully sent counts only then.
      for (const id of await acceptedUnrecorded()) acceptedWhenKilled.add(id);
    }
    settled = await run.settle(async () => (await pendingCount(run.db)) === 0, TIMEOUT_MS);
  }, 10 * 60_000);

  afterAll(() => run?.close());

  it('ends with every row sent', async () => {
    expect(settled).toBe(true);
    expect(await statusCounts(run.db)).toEqual({ sent: KILLS * (IN_APP_PER_WAVE + EMAIL_PER_WAVE) });
  });

  it('delivers every in-app message once', async () => {
    const counted = tally(await rowIds(run.db, `channel = 'in_app'`), await inAppArrivals(run.db, sink));
    printTally('worker-kill in-app', counted, `${KILLS} SIGKILLs, with ${inAppInFlight.join(', ')} in-app rows in flight`);
    expect(faults(counted)).toEqual(NO_FAULTS);
  });

  it('loses no email, and repeats only those the SMTP server had taken when their worker died', async () => {
    const arrivals = peer.notificationIds();
    const counted = tally(await rowIds(run.db, `channel = 'email'`), arrivals);
    printTally('worker-kill email', counted, `${KILLS} SIGKILLs; ${acceptedWhenKilled.size} emails were accepted by SMTP but unrecorded when their worker died`);
    expect({ lost: counted.lost, unexpected: counted.unexpected }).toEqual({ lost: 0, unexpected: 0 });
    const repeated = [...new Set(arrivals.filter((id, index) => arrivals.indexOf(id) !== index))];
    expect(repeated.filter((id) => !acceptedWhenKilled.has(id))).toEqual([]);
  });

  it('sends a repeated email with the Message-ID of its first copy, so the mailbox keeps one', () => {
    const messageIds = new Map<string, Set<string>>();
    for (const mail of peer.received) {
      const id = SmtpPeer.header(mail, 'X-Herald-Notification') ?? 'none';
      messageIds.set(id, (messageIds.get(id) ?? new Set()).add(SmtpPeer.header(mail, 'Message-ID') ?? 'none'));
    }
    const differing = [...messageIds].filter(([id, ids]) => ids.size !== 1 || ![...ids][0].startsWith(`<${id}@`));
    expect(differing).toEqual([]);
  });

  // The residual window: an email the SMTP server accepted while its worker died unrecorded goes
  // again once its lease runs out (SMTP cannot be asked afterwards). Each email is recorded as soon
  // as it is accepted, so only the sends in flight at a kill repeat; this passes while any does.
  it.failing('delivers every email once', async () => {
    const counted = tally(await rowIds(run.db, `channel = 'email'`), peer.notificationIds());
    expect(faults(counted)).toEqual(NO_FAULTS);
  });
});
