import { DueStream, itDeliversEveryMessageOnce, streamWithFaults } from './support/due-stream';
import { FaultProxy } from './support/fault-proxy';
import { FaultRun, faultSize } from './support/fault-run';

const IN_APP = faultSize('UNREACHABLE_IN_APP', 3000);
const EMAIL = faultSize('UNREACHABLE_EMAIL', 600);
const OUTAGE_S = faultSize('UNREACHABLE_REDIS_S', 30);

/**
 * Herald's processes reach Redis through a TCP proxy. While due rows stream out, at a third
 * sent every connection is reset at once; at two thirds Redis becomes unreachable for 30 s:
 * nothing passes either way, open connections hang rather than fail (a partition, not a
 * restart), and then all flows again. Every message must still go exactly once.
 */
describe('Redis connections cut, then Redis unreachable for 30 s', () => {
  let run: FaultRun;
  let proxy: FaultProxy;
  let stream: DueStream;
  const cut: number[] = [];

  beforeAll(async () => {
    run = await FaultRun.open('redis-unreachable');
    proxy = await FaultProxy.start(run.redisUrl);
    run.onClose(() => proxy.stop());
    run.routeThrough({ redis: proxy });
    stream = await streamWithFaults(run, {
      inApp: IN_APP,
      email: EMAIL,
      recipients: faultSize('UNREACHABLE_RECIPIENTS', 300),
      spreadMs: faultSize('UNREACHABLE_SPREAD_S', 20) * 1000,
      timeoutMs: 120_000 + OUTAGE_S * 1000,
      faults: [
        { name: 'cutting every Redis connection', inflict: async () => void cut.push(proxy.cut()) },
        {
          name: `Redis unreachable for ${OUTAGE_S} s`,
          inflict: async () => {
            proxy.freeze();
            // The outage is the fault: it lasts its time whatever Herald does meanwhile.
            await new Promise((resolve) => setTimeout(resolve, OUTAGE_S * 1000));
            proxy.heal();
          },
        },
      ],
    });
  }, 10 * 60_000);

  afterAll(() => run?.close());

  it('cut connections that were open', () => {
    expect(cut[0]).toBeGreaterThan(0);
  });

  itDeliversEveryMessageOnce('redis-unreachable', () => ({ run, stream, inApp: IN_APP, email: EMAIL, note: `${cut[0]} connections cut, then ${OUTAGE_S} s unreachable` }));
});
