// The receiver's bounded store of metrics: the most recent ones, in a ring.
import type { ReceivedMetric } from './types.ts';
import { positiveInteger } from './whole-numbers.ts';

export interface MetricStoreOptions {
  /** Metrics kept (one per metric name per export); older ones are overwritten. Default 2000. */
  maxMetrics?: number;
}

/** The most recently received metrics, in a ring: memory is bounded by `maxMetrics` entries. */
export class MetricStore {
  readonly maxMetrics: number;
  private readonly ring: ReceivedMetric[] = [];
  private next = 0;
  private received = 0;

  constructor(options: MetricStoreOptions = {}) {
    this.maxMetrics = positiveInteger(options.maxMetrics ?? 2000, 'maxMetrics');
  }

  add(metrics: readonly ReceivedMetric[]): void {
    for (const metric of metrics) {
      this.received++;
      if (this.ring.length < this.maxMetrics) {
        this.ring.push(metric);
      } else {
        this.ring[this.next] = metric;
        this.next = (this.next + 1) % this.maxMetrics;
      }
    }
  }

  /** The kept metrics, oldest first; with `name`, only those of that name. */
  metrics(name?: string): ReceivedMetric[] {
    const ordered = [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return name === undefined ? ordered : ordered.filter(metric => metric.name === name);
  }

  /** Metrics received in total, kept or overwritten. */
  get receivedCount(): number {
    return this.received;
  }
}
