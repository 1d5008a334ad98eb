// A small metrics registry and the Prometheus text exposition format (version 0.0.4). Written
// here rather than taken from prom-client: the proxy needs counters, gauges and one histogram,
// and the hot path must cost a property increment, not a label lookup. Callers keep the series
// handle (`labels(...)`) and update it directly.

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Kind = 'counter' | 'gauge' | 'histogram';

abstract class Metric<S> {
  private readonly series = new Map<string, { values: readonly string[]; series: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly kind: Kind,
  ) {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${name}`);
    for (const l of labelNames) if (!LABEL.test(l) || l.startsWith('__') || l === 'le') throw new Error(`invalid label name ${l}`);
    if (kind === 'counter' && !name.endsWith('_total')) throw new Error(`counter ${name} must end in _total`);
  }

  protected abstract create(): S;

  /** The series for these label values (in labelNames order), created at zero on first use. */
  labels(...values: string[]): S {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name} takes ${this.labelNames.length} label values`);
    const key = values.join('\u0000');
    let entry = this.series.get(key);
    if (!entry) {
      entry = { values, series: this.create() };
      this.series.set(key, entry);
    }
    return entry.series;
  }

  /** Forgets every series (gauges rebuilt at each scrape). */
  clear(): void {
    this.series.clear();
  }

  /** Appends this metric's HELP, TYPE and samples. */
  write(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.kind}`);
    for (const { values, series } of this.series.values()) this.writeSeries(out, this.labelText(values), series);
  }

  protected abstract writeSeries(out: string[], labels: string, series: S): void;

  private labelText(values: readonly string[]): string {
    let text = '';
    for (let i = 0; i < values.length; i++) text += `${i ? ',' : ''}${this.labelNames[i]}="${escapeLabel(values[i])}"`;
    return text;
  }
}

/** A counter's or a gauge's series: one number. */
export interface ValueSeries {
  value: number;
}
export type CounterSeries = ValueSeries;
export type GaugeSeries = ValueSeries;

class ValueMetric extends Metric<ValueSeries> {
  protected create(): ValueSeries {
    return { value: 0 };
  }

  protected writeSeries(out: string[], labels: string, s: ValueSeries): void {
    out.push(sample(this.name, labels, s.value));
  }
}

export class Counter extends ValueMetric {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, 'counter');
  }
}

export class Gauge extends ValueMetric {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, 'gauge');
  }
}

export class HistogramSeries {
  /** Per bucket (not cumulative); the last one is +Inf. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Array(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }
}

export class Histogram extends Metric<HistogramSeries> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames, 'histogram');
    if (bounds.some((b, i) => i > 0 && b <= bounds[i - 1])) throw new Error(`${name}: buckets must increase`);
  }

  protected create(): HistogramSeries {
    return new HistogramSeries(this.bounds);
  }

  protected writeSeries(out: string[], labels: string, s: HistogramSeries): void {
    const sep = labels ? ',' : '';
    let cumulative = 0;
    for (let i = 0; i <= this.bounds.length; i++) {
      cumulative += s.counts[i];
      const le = i < this.bounds.length ? formatNumber(this.bounds[i]) : '+Inf';
      out.push(sample(`${this.name}_bucket`, `${labels}${sep}le="${le}"`, cumulative));
    }
    out.push(sample(`${this.name}_sum`, labels, s.sum), sample(`${this.name}_count`, labels, s.count));
  }
}

/** The metrics in exposition order, and hooks that refresh gauges just before each scrape. */
export class MetricsRegistry {
  private readonly metrics: Metric<unknown>[] = [];
  private readonly collectors: Array<() => void> = [];

  add<M extends Metric<any>>(metric: M): M {
    if (this.metrics.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} registered twice`);
    this.metrics.push(metric);
    return metric;
  }

  onCollect(collect: () => void): void {
    this.collectors.push(collect);
  }

  /** The whole exposition, ending with a newline. */
  expose(): string {
    for (const collect of this.collectors) collect();
    const out: string[] = [];
    for (const m of this.metrics) m.write(out);
    return out.join('\n') + '\n';
  }
}

function sample(name: string, labels: string, value: number): string {
  return labels ? `${name}{${labels}} ${formatNumber(value)}` : `${name} ${formatNumber(value)}`;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}
