// A stand-in for the user's browser, for `--oauth-open-command`: given a sign-in link as its last
// argument, it opens the link and follows the redirects (the authorization server's answer to
// the proxy's redirect URI), as a browser whose user approves at once would. Exits 0 once the
// redirect URI has answered, 1 otherwise. Run: node dist/test/harness/browser.js URL
import * as http from 'node:http';
import * as https from 'node:https';

const MAX_HOPS = 5;

function get(url: URL): Promise<{ status: number; location?: string; body: string }> {
  const send = url.protocol === 'https:' ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = send(url, { agent: false, headers: { Accept: 'text/html' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error('no answer within 20 s')));
  });
}

async function main(): Promise<number> {
  const link = process.argv[process.argv.length - 1];
  let url = new URL(link);
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const res = await get(url);
    if (res.status >= 300 && res.status < 400 && res.location) {
      url = new URL(res.location, url);
      continue;
    }
    const text = res.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    process.stderr.write(`browser: ${url.origin}${url.pathname} answered ${res.status}: ${text.slice(0, 200)}\n`);
    return res.status < 400 ? 0 : 1;
  }
  process.stderr.write('browser: too many redirects\n');
  return 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`browser: ${e instanceof Error ? e.message : e}\n`);
    process.exit(1);
  },
);
