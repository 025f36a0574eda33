import { insertBookedCustomers, insertDueRows, statusCounts } from '../../../bench/support/seed';
import { DeliverySink } from '../../../bench/support/sink';
import { SmtpPeer } from '../../support/smtp-peer';
import { FaultRun } from './fault-run';
import { faults, inAppArrivals, NO_FAULTS, pendingCount, printTally, rowIds, sentCount, tally } from './tally';

export interface DueStreamSpec {
  inApp: number;
  email: number;
  recipients: number;
  /** Rows fall due evenly over this long. */
  spreadMs: number;
  /** Done in turn, the n-th of k once n / (k + 1) of the rows are sent. */
  faults: { name: string; inflict: () => Promise<void> }[];
  timeoutMs: number;
}

export interface DueStream {
  peer: SmtpPeer;
  sink: DeliverySink;
  /** Every row left planned, queued and sending in time. */
  settled: boolean;
}

/**
 * In-app and email rows written straight into Postgres, falling due over `spreadMs` while a
 * scheduler and a worker send them; each fault is inflicted as the stream passes its share of
 * rows sent, then the run waits until nothing is left to send. The peers hold what arrived.
 */
export async function streamWithFaults(run: FaultRun, spec: DueStreamSpec): Promise<DueStream> {
  const peer = await SmtpPeer.start();
  run.onClose(() => peer.stop());
  const sink = await DeliverySink.open(run.redisUrl, run.keyPrefix);
  run.onClose(() => sink.close());
  await insertBookedCustomers(run.db, { customers: spec.recipients });
  await run.deploy([{ role: 'scheduler' }, { role: 'worker' }], { SMTP_URL: peer.url });
  const firstDueAt = new Date(Date.now() + 1000);
  await insertDueRows(run.db, { count: spec.inApp, channel: 'in_app', firstDueAt, spreadMs: spec.spreadMs, keyPrefix: 'in_app' });
  await insertDueRows(run.db, { count: spec.email, channel: 'email', firstDueAt, spreadMs: spec.spreadMs, keyPrefix: 'email' });
  const total = spec.inApp + spec.email;
  for (const [index, fault] of spec.faults.entries()) {
    const share = (index + 1) / (spec.faults.length + 1);
    await run.waitFor(`${Math.round(share * 100)} % sent before ${fault.name}`, async () => (await sentCount(run.db).catch(() => 0)) >= share * total, spec.timeoutMs);
    await fault.inflict();
  }
  const settled = await run.settle(async () => (await pendingCount(run.db).catch(() => 1)) === 0, spec.spreadMs + spec.timeoutMs);
  return { peer, sink, settled };
}

/**
 * The checks every streamed scenario ends with, run once the stream is done: every row sent,
 * every in-app and every email message delivered once, each count printed with `note`.
 */
export function itDeliversEveryMessageOnce(scenario: string, done: () => { run: FaultRun; stream: DueStream; inApp: number; email: number; note: string }): void {
  it('ends with every row sent', async () => {
    const { run, stream, inApp, email } = done();
    expect(stream.settled).toBe(true);
    expect(await statusCounts(run.db)).toEqual({ sent: inApp + email });
  });

  it('delivers every in-app message once', async () => {
    const { run, stream, note } = done();
    const counted = tally(await rowIds(run.db, `channel = 'in_app'`), await inAppArrivals(run.db, stream.sink));
    printTally(`${scenario} in-app`, counted, note);
    expect(faults(counted)).toEqual(NO_FAULTS);
  });

  it('delivers every email once', async () => {
    const { run, stream, note } = done();
    const counted = tally(await rowIds(run.db, `channel = 'email'`), stream.peer.notificationIds());
    printTally(`${scenario} email`, counted, note);
    expect(faults(counted)).toEqual(NO_FAULTS);
  });
}
