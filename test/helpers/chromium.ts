// Headless Chromium (the Debian package `chromium`) driven over the DevTools protocol with `ws`:
// open a page, evaluate script in it, take a screenshot. Everything started here is killed in
// close(): the browser's whole process tree, and its profile directory is removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { Reaper } from './process-tree.js';
import { waitFor } from './wait.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/**
 * The browser to use: $CHROMIUM, else the first installed candidate. Throws with what to do
 * when there is none: the browser test must fail loudly, never pass without a browser.
 */
export function findChromium(): string {
  const candidates = process.env.CHROMIUM ? [process.env.CHROMIUM] : CANDIDATES;
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  throw new Error(
    `no Chromium found (looked for ${candidates.join(', ')}): the status-page test needs a real browser. ` +
      'Install the Debian package (apt-get install chromium), or set CHROMIUM=/path/to/chromium. ' +
      '.ci/run installs it when missing.',
  );
}

interface Pending {
  resolve(result: any): void;
  reject(error: Error): void;
}

export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly events: Array<{ method: string; sessionId?: string; params: any }> = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly socket: WebSocket,
    private readonly profile: string,
    private readonly reaper: Reaper,
  ) {
    socket.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.id === undefined) return void this.events.push(msg);
      const waiter = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error) waiter?.reject(new Error(`${msg.error.message} (${msg.error.code})`));
      else waiter?.resolve(msg.result);
    });
    socket.on('close', () => {
      for (const w of this.pending.values()) w.reject(new Error('the browser connection closed'));
      this.pending.clear();
    });
  }

  static async launch(width = 1400, height = 900): Promise<Browser> {
    const executable = findChromium();
    const profile = mkdtempSync(path.join(tmpdir(), 'multi-mcp-chromium-'));
    const args = [
      '--headless=new',
      '--no-sandbox', // root in CI containers
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      `--window-size=${width},${height}`,
      'about:blank',
    ];
    const child = spawn(executable, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const reaper = new Reaper();
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code));
    try {
      const url = await waitFor(
        () => {
          if (exited !== undefined) throw new Error(`${executable} exited with code ${exited}:\n${stderr}`);
          return /DevTools listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
        },
        `${executable} to open its DevTools port`,
        30_000,
        20,
      );
      reaper.rememberTree(child.pid!);
      const socket = new WebSocket(url, { perMessageDeflate: false });
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      return new Browser(child, socket, profile, reaper);
    } catch (e) {
      reaper.rememberTree(child.pid!);
      reaper.killAll();
      rmSync(profile, { recursive: true, force: true });
      throw e;
    }
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  /** A new tab, attached: returns a page handle. */
  async newPage(): Promise<Page> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, sessionId);
    await page.send('Page.enable');
    await page.send('Runtime.enable');
    await page.send('Log.enable'); // CSP violations are reported here

    return page;
  }

  eventsOf(sessionId: string, method: string): any[] {
    return this.events.filter((e) => e.sessionId === sessionId && e.method === method).map((e) => e.params);
  }

  async close(): Promise<void> {
    this.reaper.rememberTree(this.child.pid!);
    await this.send('Browser.close').catch(() => {});
    this.socket.terminate();
    const exited = new Promise<void>((resolve) => (this.child.exitCode !== null ? resolve() : this.child.once('exit', () => resolve())));
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    this.reaper.killAll();
    rmSync(this.profile, { recursive: true, force: true });
  }
}

export class Page {
  constructor(
    private readonly browser: Browser,
    readonly sessionId: string,
  ) {}

  send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** Navigates and waits for the load event of that navigation. */
  async goto(url: string): Promise<void> {
    const before = this.browser.eventsOf(this.sessionId, 'Page.loadEventFired').length;
    const { errorText } = await this.send('Page.navigate', { url });
    if (errorText) throw new Error(`navigating to ${url}: ${errorText}`);
    await this.loaded(before);
  }

  /** Waits for a load event after the first `before` ones (e.g. after submitting a form). */
  loaded(before: number): Promise<unknown> {
    return waitFor(() => this.browser.eventsOf(this.sessionId, 'Page.loadEventFired').length > before, 'the page to load', 15_000, 20);
  }

  loadCount(): number {
    return this.browser.eventsOf(this.sessionId, 'Page.loadEventFired').length;
  }

  /** Evaluates an expression in the page; returns its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value as T;
  }

  /** Polls an expression until it is truthy (bounded); returns its value. */
  async waitFor<T>(expression: string, what: string, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.evaluate<T>(expression);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting in the page for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Console errors, log errors (CSP violations, failed loads) and uncaught exceptions the page reported. */
  problems(): string[] {
    const exceptions = this.browser.eventsOf(this.sessionId, 'Runtime.exceptionThrown').map((p) => p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text);
    const errors = this.browser
      .eventsOf(this.sessionId, 'Runtime.consoleAPICalled')
      .filter((p) => p.type === 'error')
      .map((p) => p.args.map((a: any) => a.value ?? a.description).join(' '));
    const logged = this.browser
      .eventsOf(this.sessionId, 'Log.entryAdded')
      .filter((p) => p.entry.level === 'error')
      .map((p) => p.entry.text);
    return [...exceptions, ...errors, ...logged];
  }

  async screenshot(): Promise<Buffer> {
    const { data } = await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
    return Buffer.from(data, 'base64');
  }
}
