// The HTTP-mode flags: --transport sse|http, --allow-origin (repeatable, normalized), --max-body.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli, USAGE, UsageError } from '../src/cli-args.js';
import { originAllowed } from '../src/http/security.js';

describe('http: command-line flags', () => {
  it('treats --transport sse and http alike, with defaults 127.0.0.1:8080, no extra origins and a 4 MiB body limit', () => {
    for (const transport of ['sse', 'http']) {
      const opts = parseCli(['--transport', transport]);
      const { transport: mode, host, port, allowOrigins, maxBodyBytes } = opts;
      assert.deepEqual([mode, host, port, allowOrigins, maxBodyBytes], ['http', '127.0.0.1', 8080, [], 4 * 1024 * 1024]);
    }
    assert.equal(parseCli(['--transport', 'http', '--port', '0']).port, 0);
  });

  it('collects --allow-origin values as origins and reads --max-body', () => {
    const opts = parseCli(['--allow-origin', 'https://App.Example.com/some/path', '--allow-origin', '*', '--max-body', '1024']);
    assert.deepEqual(opts.allowOrigins, ['https://app.example.com', '*']);
    assert.equal(opts.maxBodyBytes, 1024);
    assert.ok(originAllowed('https://app.example.com', ['https://app.example.com']));
    assert.ok(!originAllowed('https://app.example.com:8443', ['https://app.example.com']));
    assert.match(USAGE, /--allow-origin/);
    assert.match(USAGE, /--max-body/);
  });

  it('rejects a bad origin or body limit', () => {
    assert.throws(() => parseCli(['--allow-origin', 'not an origin']), UsageError);
    assert.throws(() => parseCli(['--allow-origin', 'file:///tmp/x']), UsageError);
    assert.throws(() => parseCli(['--max-body', '0']), UsageError);
    assert.throws(() => parseCli(['--max-body', 'lots']), UsageError);
  });
});
