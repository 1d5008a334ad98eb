// Prints what each attack of issue 13 measures against a proxy build, for the before/after table:
//   npm run build && node dist/test/harness/attacks-report.js [--cli path/to/dist/src/cli.js] [--only a,b]
// Each attack starts its own proxy; memory is RSS growth after a full GC (see gc-probe.ts).
import { parseArgs } from 'node:util';
import * as attacks from '../helpers/attacks.js';

const RUNS: Record<string, (o: attacks.AttackOptions) => Promise<unknown>> = {
  capabilities: (o) => attacks.deepCapabilities(o),
  sessions: (o) => attacks.sessionFlood(o),
  'log-burst': (o) => attacks.logBurst(o),
  'sse-readers': (o) => attacks.stalledSseReaders(o),
  'ws-readers': (o) => attacks.stalledWsReaders(o),
  'stalled-backend': (o) => attacks.stalledBackend(o),
  'stalled-backend-20': (o) => attacks.stalledBackend(o, 20),
  'log-burst-200': (o) => attacks.logBurst(o, 200),
  unserializable: (o) => attacks.unserializableAnswer(o),
  'hung-initialize': (o) => attacks.hungBackendInitialize(o),
  sigkill: (o) => attacks.proxySigkill(o),
};

const { values } = parseArgs({ options: { cli: { type: 'string' }, only: { type: 'string' } } });
const only = values.only?.split(',');
for (const [name, run] of Object.entries(RUNS)) {
  if (only && !only.includes(name)) continue;
  const t0 = Date.now();
  try {
    const result = await run({ cli: values.cli });
    process.stdout.write(`${name}: ${JSON.stringify(result)} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  } catch (e) {
    process.stdout.write(`${name}: failed: ${e instanceof Error ? e.message : e}\n`);
  }
}
