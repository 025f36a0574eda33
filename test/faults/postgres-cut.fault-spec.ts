import { DueStream, itDeliversEveryMessageOnce, streamWithFaults } from './support/due-stream';
import { FaultProxy } from './support/fault-proxy';
import { FaultRun, faultSize } from './support/fault-run';

const IN_APP = faultSize('PG_CUT_IN_APP', 3000);
const EMAIL = faultSize('PG_CUT_EMAIL', 600);
const CUTS = 3;

/**
 * Herald's processes reach Postgres through a TCP proxy that resets every connection at once,
 * three times while due rows stream out: queries, transactions and LISTEN die mid-flight (a
 * message may be accepted by the SMTP server just before its recording is cut off). Postgres
 * itself keeps running. Every message must still go exactly once.
 */
describe('Postgres connections cut mid-run', () => {
  let run: FaultRun;
  let proxy: FaultProxy;
  let stream: DueStream;
  const cut: number[] = [];

  beforeAll(async () => {
    run = await FaultRun.open('postgres-cut');
    proxy = await FaultProxy.start(run.databaseUrl);
    run.onClose(() => proxy.stop());
    run.routeThrough({ postgres: proxy });
    stream = await streamWithFaults(run, {
      inApp: IN_APP,
      email: EMAIL,
      recipients: faultSize('PG_CUT_RECIPIENTS', 300),
      spreadMs: faultSize('PG_CUT_SPREAD_S', 20) * 1000,
      timeoutMs: 120_000,
      faults: Array.from({ length: CUTS }, (_, index) => ({
        name: `cutting every Postgres connection (${index + 1} of ${CUTS})`,
        inflict: async () => void cut.push(proxy.cut()),
      })),
    });
  }, 10 * 60_000);

  afterAll(() => run?.close());

  it('cut connections that were open each time', () => {
    expect(cut).toHaveLength(CUTS);
    expect(cut.every((connections) => connections > 0)).toBe(true);
  });

  itDeliversEveryMessageOnce('postgres-cut', () => ({ run, stream, inApp: IN_APP, email: EMAIL, note: `${CUTS} cuts of ${cut.join(', ')} connections` }));
});
