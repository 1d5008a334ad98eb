// The Dockerfile, without Docker (no engine is run here, and no image is built): the file is read
// as text; its build and runtime stages are replayed on this host from the file itself
// (COPY/RUN/ENV/WORKDIR, test/helpers/dockerfile.ts) in fresh temp dirs, with the production
// install, then the image's ENTRYPOINT+CMD starts the proxy (127.0.0.1 and port 0 in place of
// 0.0.0.0:8080) with this host's Node and the HEALTHCHECK command is run against it. The Makefile's
// docker targets are checked with `make -n`. Needs: `make`, and the npm cache filled by `npm ci`
// in this checkout (the replayed `npm ci` prefers it to the network).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execForm, lastOf, parseDockerfile, replayStage, type Stage, type StageResult } from './helpers/dockerfile.js';
import { pollUntil, streamableClient, toolText } from './helpers/http-mcp.js';
import { runToExit, startListening, type ListeningProcess } from './helpers/listening-process.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const stages = parseDockerfile(readFileSync(path.join(REPO, 'Dockerfile'), 'utf8'));
const [buildStage, runtimeStage] = [stages[0], stages.at(-1)!];
const API_KEY = 'docker-test-key-4e9d1c';

// The official node images are ~135 MB (alpine) to ~200 MB (slim) unpacked; what the runtime
// stage adds must keep the image under 200 MB.
const MAX_ADDED_MB = 50;

const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
const copies = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'COPY');

/** The image's command line, with host (unless `keepHost`) and port made test-safe and container paths mapped. */
function imageCommand(runtime: StageResult, keepHost = false): string[] {
  const argv = [...execForm(lastOf(runtimeStage, 'ENTRYPOINT')!.args), ...execForm(lastOf(runtimeStage, 'CMD')!.args)];
  return argv.map((arg, i) => {
    if (argv[i - 1] === '--host' && !keepHost) return '127.0.0.1';
    if (argv[i - 1] === '--port') return '0';
    if (arg === 'node') return process.execPath;
    return arg.startsWith('/') && existsSync(runtime.host(arg)) ? runtime.host(arg) : arg;
  });
}

/** `make -n` (print the commands, run none); fails saying so when make is not installed. */
function makeDryRun(...args: string[]): string {
  try {
    return execFileSync('make', ['-n', '-C', REPO, ...args], { encoding: 'utf8', env: { ...process.env, MAKEFLAGS: '' } });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') assert.fail('make is not installed: the Makefile docker targets are checked with make -n');
    throw e;
  }
}

function duBytes(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}

describe('Dockerfile, read as text (no Docker engine)', () => {
  it('is multi-stage: dev install + build, then a production install of the built files only', () => {
    assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
    assert.match(runtimeStage.base, /^node:20-(alpine|slim)\b/);
    assert.ok(runs(buildStage).some((r) => /^npm ci\b/.test(r) && !r.includes('--omit=dev')), 'build stage installs dev deps');
    assert.ok(runs(buildStage).some((r) => /^npm run build\b/.test(r)), 'build stage builds');
    assert.ok(runs(runtimeStage).some((r) => /^npm ci\b.*--omit=dev/.test(r)), 'runtime stage installs production deps only');
    const copied = copies(runtimeStage).map((c) => c.args);
    for (const what of ['dist/src', 'dist/protocol', 'package.json', 'fixtures/servers']) {
      assert.ok(copied.some((args) => args.includes(what)), `runtime stage copies ${what}`);
    }
  });

  it('runs as non-root, exposes 8080, checks /health, and starts the SSE/HTTP server on /config/mcp.json', () => {
    const user = lastOf(runtimeStage, 'USER')?.args ?? 'root';
    assert.doesNotMatch(user, /^(root|0)(:|$)/);
    assert.equal(lastOf(runtimeStage, 'EXPOSE')?.args, '8080');
    const health = lastOf(runtimeStage, 'HEALTHCHECK')!;
    assert.match(health.args, /^CMD\s/);
    const check = execForm(health.args.replace(/^CMD\s+/, ''));
    assert.equal(check[0], 'node', 'no curl in the slim images: node does the check');
    assert.match(check.join(' '), /127\.0\.0\.1:8080\/health/);
    assert.deepEqual(execForm(lastOf(runtimeStage, 'CMD')!.args), [
      '--transport', 'sse', '--host', '0.0.0.0', '--port', '8080', '--config', '/config/mcp.json',
    ]);
    assert.ok(copies(runtimeStage).some((c) => c.args.endsWith(' /config/mcp.json')), 'a default config is baked in');
  });

  it('.dockerignore keeps secrets and build output out of the context, and nothing the Dockerfile copies', () => {
    const ignored = readFileSync(path.join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const needed of ['.git', 'node_modules', 'dist', 'msc']) assert.ok(ignored.includes(needed), `${needed} ignored`);
    const sources = stages.flatMap((s) => copies(s).filter((c) => !c.flags.from).flatMap((c) => c.args.split(/\s+/).slice(0, -1)));
    for (const src of sources) {
      const hit = ignored.find((pattern) => src === pattern || src.startsWith(`${pattern}/`) || pattern.startsWith(`${src}/`));
      assert.equal(hit, undefined, `COPY ${src} is excluded by .dockerignore (${hit})`);
    }
  });
});

describe('Dockerfile stages replayed on this host without Docker (npm steps from the local npm cache)', { timeout: 15 * 60_000 }, () => {
  const results: StageResult[] = [];
  let build: StageResult;
  let runtime: StageResult;
  let proxy: ListeningProcess | undefined;

  before(async () => {
    const options = {
      context: REPO,
      // Reuse the local npm cache: the replay must not depend on (or wait for) the network.
      runEnv: { npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
      // A hang guard: npm ci of the dev dependencies takes about half a minute, many on a busy machine.
      runTimeoutMs: 10 * 60_000,
    };
    build = await replayStage(buildStage, options).catch((e: Error) => {
      throw new Error(`${e.message}\n(the replayed npm ci prefers the npm cache that npm ci in this checkout fills; without it, it needs the network)`);
    });
    results.push(build);
    runtime = await replayStage(runtimeStage, { ...options, stages: { [buildStage.name!]: build } });
    results.push(runtime);
  });

  after(async () => {
    await proxy?.stop();
    for (const r of results) rmSync(r.root, { recursive: true, force: true });
  });

  it('the runtime stage holds the built proxy and production dependencies only', (t) => {
    const app = runtime.host('.');
    t.diagnostic(`no Docker: the stages were replayed in ${build.root} and ${runtime.root}; the proxy runs on this host's Node ${process.version}`);
    assert.ok(existsSync(path.join(app, 'dist/src/cli.js')));
    assert.ok(existsSync(path.join(app, 'dist/protocol/mcp.js')));
    assert.ok(existsSync(path.join(app, 'node_modules/zod')), 'runtime dependency installed');
    for (const dev of ['typescript', '@modelcontextprotocol/sdk', '@types/node']) {
      assert.ok(!existsSync(path.join(app, 'node_modules', dev)), `dev dependency ${dev} left out`);
    }
    for (const absent of ['src', 'test', 'dist/test', 'bench']) assert.ok(!existsSync(path.join(app, absent)), `${absent} left out`);
    const addedMb = duBytes(runtime.root) / 1e6;
    t.diagnostic(`runtime stage adds ${addedMb.toFixed(1)} MB to the base image ${runtimeStage.base}`);
    assert.ok(addedMb < MAX_ADDED_MB, `runtime stage adds ${addedMb.toFixed(1)} MB (limit ${MAX_ADDED_MB} MB)`);
  });

  it("the image's command refuses to start without MULTI_MCP_API_KEY, since it listens on every interface", async () => {
    const [command, ...args] = imageCommand(runtime, true);
    const env = { ...process.env, ...runtime.env };
    delete env.MULTI_MCP_API_KEY;
    const run = await runToExit(command, args, { cwd: runtime.host('.'), env, timeoutMs: 15_000 });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /refusing to serve on 0\.0\.0\.0 without an API key.*MULTI_MCP_API_KEY/);
  });

  it("the image's command, run on this host, serves /health and the example tools; the HEALTHCHECK passes, then fails once it stops", async () => {
    const [command, ...args] = imageCommand(runtime);
    const env = { ...process.env, ...runtime.env, MULTI_MCP_API_KEY: API_KEY };
    proxy = await startListening(command, args, { cwd: runtime.host('.'), env });

    const health = await fetch(`${proxy.url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });

    const { client } = await streamableClient(proxy.url, { headers: { Authorization: `Bearer ${API_KEY}` } });
    try {
      const expected = ['weather__get_weather', 'calculator__add', 'unit_converter__convert_length'];
      const names = await pollUntil(async () => {
        const tools = (await client.listTools()).tools.map((tool) => tool.name);
        return expected.every((n) => tools.includes(n)) ? tools : undefined;
      }, 'the bundled servers\' tools');
      assert.ok(names.length >= expected.length);
      const sum = await client.callTool({ name: 'calculator__add', arguments: { a: 2, b: 3 } });
      assert.equal(toolText(sum), '5');
    } finally {
      await client.close();
    }

    const port = new URL(proxy.url).port;
    const check = execForm(lastOf(runtimeStage, 'HEALTHCHECK')!.args.replace(/^CMD\s+/, ''))
      .map((arg) => (arg === 'node' ? process.execPath : arg.replaceAll(':8080/', `:${port}/`)));
    const healthy = await runToExit(check[0], check.slice(1), { cwd: runtime.host('.'), env });
    assert.equal(healthy.code, 0, `HEALTHCHECK failed: ${healthy.stderr}`);

    await proxy.stop();
    proxy = undefined;
    const unhealthy = await runToExit(check[0], check.slice(1), { cwd: runtime.host('.'), env });
    assert.notEqual(unhealthy.code, 0, 'HEALTHCHECK must fail when nothing answers');
  });
});

describe('Makefile docker targets, dry run (make -n prints the docker commands, runs none)', () => {
  const dryRun = makeDryRun;

  it('docker-build tags multi-mcp; docker-run publishes 8080 and passes MULTI_MCP_API_KEY through', () => {
    assert.match(dryRun('docker-build'), /docker build\b.*-t multi-mcp\b/);
    const run = dryRun('docker-run');
    assert.match(run, /test -n "\$MULTI_MCP_API_KEY" \|\|/, 'docker-run checks the key first');
    assert.match(run, /docker run\b/);
    assert.match(run, /-p 8080:8080/);
    assert.match(run, /-e MULTI_MCP_API_KEY(\s|$)/);
    assert.match(run, /\bmulti-mcp\s*$/m);
  });

  it('docker-run stops at its key check when MULTI_MCP_API_KEY is unset, saying how to make one (docker is never reached)', async () => {
    const env: Record<string, string | undefined> = { ...process.env, MAKEFLAGS: '' };
    delete env.MULTI_MCP_API_KEY;
    const run = await runToExit('make', ['-C', REPO, 'docker-run'], { cwd: REPO, env });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /set MULTI_MCP_API_KEY first.*openssl rand -hex 32/);
    assert.doesNotMatch(run.stdout, /docker run/);
  });

  it('docker-run mounts a config when CONFIG is given', () => {
    const run = dryRun('docker-run', 'CONFIG=msc/mcp.json');
    assert.match(run, new RegExp(`-v ${REPO.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/msc/mcp.json:/config/mcp.json:ro`));
  });
});
