import { Registry } from 'prom-client';
import { Metrics, sharedWithinScrape } from './metrics';

describe(Metrics.name, () => {
  it('reads scrape-time gauges afresh at every scrape, dropping series the read leaves out', async () => {
    const sut = new Metrics(new Registry());
    let values = [{ labels: { channel: 'sms' }, value: 3 }, { labels: { channel: 'email' }, value: 1 }];
    sut.scrapeGauge({ name: 'herald_test_rows', help: 'rows', labelNames: ['channel'], read: async () => values });
    expect(await sut.registry.metrics()).toContain('herald_test_rows{channel="email"} 1');
    values = [{ labels: { channel: 'sms' }, value: 4 }];
    const text = await sut.registry.metrics();
    expect(text).toContain('herald_test_rows{channel="sms"} 4');
    expect(text).not.toContain('channel="email"');
  });

  it('lets gauges of one scrape share a read, and reads again at the next scrape', async () => {
    const sut = new Metrics(new Registry());
    let reads = 0;
    const read = sharedWithinScrape(async () => ({ events: ++reads }));
    sut.scrapeGauge({ name: 'herald_test_a', help: 'a', labelNames: [], read: async () => [{ labels: {}, value: (await read()).events }] });
    sut.scrapeGauge({ name: 'herald_test_b', help: 'b', labelNames: [], read: async () => [{ labels: {}, value: (await read()).events }] });
    await sut.registry.metrics();
    expect(reads).toBe(1);
    const text = await sut.registry.metrics();
    expect(reads).toBe(2);
    expect(text).toContain('herald_test_a 2');
    expect(text).toContain('herald_test_b 2');
  });
});
