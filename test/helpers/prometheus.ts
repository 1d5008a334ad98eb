// Reads a /metrics answer the way a Prometheus server would refuse a bad one. Every line goes
// through parse-prometheus-text-format (the Prometheus Python client's parsing rules, ported),
// the whole text too; on top, the format's family rules: one HELP and TYPE per family before its
// samples, families contiguous and unique, counters named *_total, histogram series with
// increasing `le` bounds, cumulative counts, a +Inf bucket equal to _count, and a _sum.
import assert from 'node:assert/strict';
import parse from 'parse-prometheus-text-format';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parseExposition(text: string): Map<string, Family> {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  assert.ok(Array.isArray(parse(text)), 'the whole exposition parses');
  const families = new Map<string, Family>();
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
      const [, kind, name, ...rest] = line.split(' ');
      if (current?.name !== name) {
        assert.ok(!families.has(name), `family ${name} appears twice`);
        current = { name, type: '', help: '', samples: [] };
        families.set(name, current);
      }
      assert.equal(current.samples.length, 0, `${kind} of ${name} after its samples`);
      if (kind === 'TYPE') {
        assert.equal(current.type, '', `two TYPE lines for ${name}`);
        assert.ok(TYPES.has(rest.join(' ')), `unknown type in: ${line}`);
        current.type = rest.join(' ');
      } else {
        current.help = rest.join(' ');
      }
      continue;
    }
    assert.ok(!line.startsWith('#'), `unexpected comment: ${line}`);
    const [parsed] = parse(`${line}\n`);
    assert.ok(parsed && parsed.metrics.length === 1, `not one sample: ${line}`);
    const sample: Sample = { name: parsed.name, labels: parsed.metrics[0].labels ?? {}, value: toNumber(parsed.metrics[0].value, line) };
    assert.ok(current, `sample before any TYPE: ${line}`);
    const allowed = current.type === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => current!.name + s) : [current.name];
    assert.ok(allowed.includes(sample.name), `sample ${sample.name} inside family ${current.name}`);
    current.samples.push(sample);
  }
  for (const family of families.values()) {
    assert.notEqual(family.type, '', `${family.name} has no TYPE`);
    if (family.type === 'counter') assert.match(family.name, /_total$/, `counter ${family.name} must end in _total`);
    if (family.type === 'histogram') checkHistogram(family);
  }
  return families;
}

function toNumber(text: string | undefined, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const n = Number(text);
  assert.ok(text !== undefined && text !== '' && !Number.isNaN(n), `bad value in: ${line}`);
  return n;
}

function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name.endsWith('_bucket')) {
      assert.ok(le !== undefined, `${s.name} without le`);
      entry.buckets.push([toNumber(le, s.name), s.value]);
    } else if (s.name.endsWith('_sum')) entry.sum = s.value;
    else entry.count = s.value;
  }
  for (const [key, entry] of series) {
    assert.ok(entry.buckets.length > 0 && entry.sum !== undefined && entry.count !== undefined, `${family.name}${key}: buckets, _sum and _count`);
    for (let i = 1; i < entry.buckets.length; i++) {
      assert.ok(entry.buckets[i][0] > entry.buckets[i - 1][0], `${family.name}${key}: le increases`);
      assert.ok(entry.buckets[i][1] >= entry.buckets[i - 1][1], `${family.name}${key}: buckets are cumulative`);
    }
    const last = entry.buckets[entry.buckets.length - 1];
    assert.equal(last[0], Infinity, `${family.name}${key}: last bucket is +Inf`);
    assert.equal(last[1], entry.count, `${family.name}${key}: +Inf bucket equals _count`);
  }
}

/** The value of the one sample of `name` whose labels include `labels` (undefined if none; throws if several). */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.get(name.replace(/_(bucket|sum|count)$/, '')) ?? families.get(name);
  const matches = (family?.samples ?? []).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(matches.length <= 1, `${name} ${JSON.stringify(labels)} matches ${matches.length} samples`);
  return matches[0]?.value;
}
