import { Injectable } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';

/** One value of a figure read at scrape time, with its labels. */
export interface ScrapedValue<Label extends string> {
  labels: Record<Label, string>;
  value: number;
}

export interface ScrapeGaugeOptions<Label extends string> {
  name: string;
  help: string;
  labelNames: readonly Label[];
  /** Reads every current value; series it leaves out disappear from the scrape. */
  read: () => Promise<ScrapedValue<Label>[]>;
}

/**
 * A registry collects every gauge of a scrape at once, so gauges fed by one statement can share
 * it: calls while a read is running get that read's result; the next scrape reads afresh.
 */
export function sharedWithinScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | null = null;
  return () =>
    (running ??= read().finally(() => {
      running = null;
    }));
}

/**
 * The API process's metrics registry, and the way other modules add their figures to it. Figures
 * that live in Postgres or Redis are gauges read at scrape time: the API process that answers
 * /metrics is rarely the worker that changed them, and the database holds the truth anyway.
 */
@Injectable()
export class Metrics {
  constructor(readonly registry: Registry) {}

  /** Registers a gauge whose values `read` supplies afresh at every scrape. */
  scrapeGauge<Label extends string>({ name, help, labelNames, read }: ScrapeGaugeOptions<Label>): void {
    new Gauge<Label>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        const values = await read();
        this.reset();
        for (const { labels, value } of values) this.set(labels, value);
      },
    });
  }
}
