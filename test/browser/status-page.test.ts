// The status page in a real browser (headless Chromium, `npm run test:browser`; .ci/run installs
// the Debian package first): log in with the key, see every backend's name and state, see a
// killed backend turn to "failed" without reloading, no CSP violation or script error, and a
// screenshot saved as a test artifact (TEST_ARTIFACTS, default test-artifacts/).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Browser } from '../helpers/chromium.js';
import { callBody, pollUntil, rawSession } from '../helpers/http-mcp.js';
import { startListening } from '../helpers/listening-process.js';
import { CLI, fixtureServer, writeConfig } from '../helpers/proxy-process.js';

const KEY = 'browser-test-key-0123456789abcdef';
const AUTH = { Authorization: `Bearer ${KEY}` };

test('status page in Chromium: login, backends and their states, a killed backend shows failed, screenshot', { timeout: 120_000 }, async (t) => {
  const browser = await Browser.launch(1400, 900);
  t.after(() => browser.close());
  const config = writeConfig(t, {
    mcpServers: {
      calculator: fixtureServer('calculator'),
      weather: { ...fixtureServer('weather'), restart: false },
    },
  });
  const proxy = await startListening(process.execPath, [CLI, '--config', config, '--transport', 'http', '--port', '0'], {
    cwd: process.cwd(),
    env: { ...process.env, MULTI_MCP_API_KEY: KEY },
  });
  t.after(() => proxy.stop());
  const status = async () => (await (await fetch(`${proxy.url}/status`, { headers: AUTH })).json()) as any;
  await pollUntil(async () => ((await status()).backends.every((b: any) => b.state === 'ready') ? true : undefined), 'both backends ready', 30_000);

  const session = await rawSession(proxy.url, {}, AUTH);
  await session.post(callBody(1, 'calculator__add', { a: 1, b: 2 }));
  await session.post(callBody(2, 'calculator__divide', { a: 1, b: 0 }));
  await session.post(callBody(3, 'weather__get_weather', { city: 'Paris' }), { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });

  const page = await browser.newPage();
  await page.goto(`${proxy.url}/`);
  assert.equal(await page.evaluate('!!document.querySelector("input[name=key]")'), true, 'a login form first');
  const loads = page.loadCount();
  await page.evaluate(`(() => { document.querySelector('input[name=key]').value = ${JSON.stringify(KEY)}; document.querySelector('form').submit(); return true; })()`);
  await page.loaded(loads);
  await page.waitFor('document.querySelectorAll("#servers tr[data-server]").length === 2', 'both servers listed');
  const rows = await page.evaluate<string[][]>('[...document.querySelectorAll("#servers tr[data-server]")].map((r) => [r.dataset.server, r.dataset.state, r.cells[0].textContent, r.cells[1].textContent])');
  assert.deepEqual(rows, [
    ['calculator', 'ready', 'calculator', 'ready'],
    ['weather', 'ready', 'weather', 'ready'],
  ]);
  await page.waitFor('document.querySelectorAll("#calls tr").length === 3', 'the three calls');
  const calls = await page.evaluate<string[]>('[...document.querySelectorAll("#calls tr")].map((r) => r.cells[2].textContent + " " + r.cells[5].textContent)');
  assert.deepEqual(calls, ['tools/call get_weather ok', 'tools/call divide tool_error', 'tools/call add ok']);
  assert.equal(await page.evaluate('document.cookie'), '', 'the login cookie is HttpOnly: no script sees it');

  const weather = (await status()).backends.find((b: any) => b.name === 'weather');
  process.kill(weather.pid, 'SIGKILL');
  await page.waitFor('document.querySelector("tr[data-server=weather]").dataset.state === "failed"', 'weather to show failed');
  const failedRow = await page.evaluate<string[]>('[...document.querySelector("tr[data-server=weather]").cells].map((c) => c.textContent)');
  assert.equal(failedRow[1], 'failed');
  assert.match(failedRow[10], /exited|signal|closed/, `last error shown: ${failedRow[10]}`);
  assert.equal(await page.evaluate('document.querySelector("tr[data-server=calculator]").dataset.state'), 'ready');

  assert.deepEqual(page.problems(), [], 'no script error or CSP violation');
  const png = await page.screenshot();
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
  const dir = path.resolve(process.env.TEST_ARTIFACTS ?? 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'status-page.png');
  writeFileSync(file, png);
  t.diagnostic(`screenshot: ${file} (${png.length} bytes)`);
});
