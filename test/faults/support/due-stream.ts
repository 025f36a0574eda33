import { insertBookedCustomers, insertDueRows } from '../../../bench/support/seed';
import { DeliverySink } from '../../../bench/support/sink';
import { SmtpPeer } from '../../support/smtp-peer';
import { FaultRun } from './fault-run';
import { pendingCount, sentCount } from './tally';

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
