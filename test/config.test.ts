import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  ConfigError,
  interpolate,
  loadConfig,
  parseConfig,
  parseServerEntries,
  referencedVariables,
  type Config,
  type ConfigIssue,
} from "../src/config/index.js";

const SOURCE = "/configs/mcp.json";

/** Parses `{ mcpServers: servers, ...extra }` as if read from SOURCE. */
function parse(servers: unknown, env: Record<string, string> = {}, extra: object = {}): Config {
  return parseConfig(JSON.stringify({ mcpServers: servers, ...extra }), SOURCE, env);
}

/** Runs fn, asserts it throws a ConfigError and returns it for message checks. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a ConfigError, nothing was thrown");
}

function issueAt(err: ConfigError, issuePath: string): ConfigIssue {
  const found = err.issues.find((i) => i.path === issuePath);
  assert.ok(found, `no issue at ${issuePath}; issues: ${JSON.stringify(err.issues)}`);
  return found;
}

const transportOf = (server: object) => parse({ s: server }).servers[0].transport;

describe("parseConfig: valid files", () => {
  it("normalizes a minimal stdio server with all defaults", () => {
    const config = parse({ fs: { command: "npx", args: ["-y", "server-fs"] } });
    assert.deepEqual(config, {
      servers: [
        {
          name: "fs",
          transport: "stdio",
          command: "npx",
          args: ["-y", "server-fs"],
          env: {},
          headers: {},
          tools: {},
          session: "shared",
          restart: { enabled: true, initialDelayMs: 500, maxDelayMs: 30000, stableMs: 60000 },
        },
      ],
      disabledServers: [],
      toolDiscovery: { mode: "all", pinned: [] },
      views: [],
      source: SOURCE,
      notes: [],
      ignoredKeys: [],
    });
  });

  it("keeps file order, separator, namespace, and ignores unknown top-level keys", () => {
    const config = parse({ b: { command: "b" }, a: { url: "http://h/mcp" } }, {}, {
      separator: ".",
      namespace: false,
      "editor.settings": { anything: [1, 2] },
    });
    assert.deepEqual(config.servers.map((s) => s.name), ["b", "a"]);
    assert.equal(config.separator, ".");
    assert.equal(config.namespace, false);
  });

  it("passes through optional fields under their normalized names", () => {
    const [server] = parse({
      api: {
        url: "https://api.example.com/mcp",
        headers: { Authorization: "Bearer x" },
        tools: { allow: ["search*"], deny: ["delete"] },
        session: "per-client",
        timeoutMs: 15000,
      },
    }).servers;
    assert.deepEqual(server.headers, { Authorization: "Bearer x" });
    assert.deepEqual(server.tools, { allow: ["search*"], deny: ["delete"] });
    assert.equal(server.session, "per-client");
    assert.equal(server.timeoutMs, 15000);
    assert.equal(server.url, "https://api.example.com/mcp");
    assert.equal(server.command, undefined);
  });

  it("does not merge process.env into env", () => {
    const [server] = parseConfig('{"mcpServers":{"s":{"command":"c","env":{"A":"1"}}}}', SOURCE, { PATH: "/bin" }).servers;
    assert.deepEqual(server.env, { A: "1" });
  });

  it("normalizes restart: boolean, partial object, defaults", () => {
    const restartOf = (restart: unknown) => parse({ s: { command: "c", restart } }).servers[0].restart;
    assert.deepEqual(restartOf(false), { enabled: false, initialDelayMs: 500, maxDelayMs: 30000, stableMs: 60000 });
    assert.deepEqual(restartOf(true), { enabled: true, initialDelayMs: 500, maxDelayMs: 30000, stableMs: 60000 });
    assert.deepEqual(restartOf({ initialDelayMs: 100, stableMs: 0 }), {
      enabled: true,
      initialDelayMs: 100,
      maxDelayMs: 30000,
      stableMs: 0,
    });
  });
});

describe("transport inference", () => {
  it("command → stdio", () => assert.equal(transportOf({ command: "node" }), "stdio"));
  it("ws:// and wss:// → ws", () => {
    assert.equal(transportOf({ url: "ws://localhost:9000" }), "ws");
    assert.equal(transportOf({ url: "wss://example.com/mcp" }), "ws");
  });
  it("path ending in /sse → sse (with or without trailing slash)", () => {
    assert.equal(transportOf({ url: "https://example.com/sse" }), "sse");
    assert.equal(transportOf({ url: "http://localhost:3000/v1/sse/" }), "sse");
    assert.equal(transportOf({ url: "http://localhost:3000/sse?key=1" }), "sse");
  });
  it("other http(s) URLs → auto-http", () => {
    assert.equal(transportOf({ url: "https://example.com/mcp" }), "auto-http");
    assert.equal(transportOf({ url: "http://localhost:3000/" }), "auto-http");
    assert.equal(transportOf({ url: "http://localhost:3000/mcp?next=/sse" }), "auto-http");
    assert.equal(transportOf({ url: "http://localhost:3000/ssefoo" }), "auto-http");
  });
  it("explicit type wins over inference", () => {
    assert.equal(transportOf({ url: "https://example.com/sse", type: "http" }), "http");
    assert.equal(transportOf({ url: "https://example.com/mcp", type: "sse" }), "sse");
    assert.equal(transportOf({ url: "wss://example.com", type: "ws" }), "ws");
    assert.equal(transportOf({ command: "c", type: "stdio" }), "stdio");
  });
  it('"streamable-http" is an alias of "http"', () => {
    assert.equal(transportOf({ url: "https://example.com/mcp", type: "streamable-http" }), "http");
  });
});

describe("interpolation", () => {
  it("substitutes set variables in nested strings, not in keys", () => {
    const [server] = parse(
      {
        gh: {
          command: "${BIN}",
          args: ["--token", "${TOKEN}", "x${TOKEN}y"],
          env: { "${TOKEN}": "${TOKEN}" },
        },
      },
      { BIN: "/usr/bin/gh", TOKEN: "t0k" },
    ).servers;
    assert.equal(server.command, "/usr/bin/gh");
    assert.deepEqual(server.args, ["--token", "t0k", "xt0ky"]);
    assert.deepEqual(server.env, { "${TOKEN}": "t0k" });
  });

  it("uses the default when the variable is unset or empty, the value otherwise", () => {
    const urlWith = (env: Record<string, string>) => parse({ s: { url: "${HOST:-http://localhost:8080}/mcp" } }, env).servers[0].url;
    assert.equal(urlWith({}), "http://localhost:8080/mcp");
    assert.equal(urlWith({ HOST: "" }), "http://localhost:8080/mcp");
    assert.equal(urlWith({ HOST: "https://prod" }), "https://prod/mcp");
    const [server] = parse({ s: { command: "c", args: ["${EMPTY:-}", "${SET_EMPTY}"] } }, { SET_EMPTY: "" }).servers;
    assert.deepEqual(server.args, ["", ""]);
  });

  it("treats $${ as a literal ${", () => {
    const [server] = parse({ s: { command: "sh", args: ["-c", "echo $${HOME} $$ $${X:-y}"] } }, {}).servers;
    assert.deepEqual(server.args, ["-c", "echo ${HOME} $$ ${X:-y}"]);
  });

  it("interpolates before validating, so a variable can supply a whole URL", () => {
    const [server] = parse({ s: { url: "${URL}" } }, { URL: "wss://example.com" }).servers;
    assert.equal(server.transport, "ws");
  });

  it("reports a missing variable with its name, the server and the JSON path", () => {
    const err = configError(() => parse({ github: { command: "gh", env: { TOKEN: "${GITHUB_TOKEN}" } } }));
    assert.deepEqual(err.issues, [
      { path: "mcpServers.github.env.TOKEN", message: 'environment variable GITHUB_TOKEN is not set (used by server "github")' },
    ]);
    assert.equal(err.source, SOURCE);
    assert.equal(
      err.message,
      `${SOURCE}: mcpServers.github.env.TOKEN: environment variable GITHUB_TOKEN is not set (used by server "github")`,
    );
  });

  it("reports every missing variable in one error", () => {
    const err = configError(() =>
      parse({
        a: { command: "a", args: ["${ONE}", "${TWO:-ok}", "${THREE}"] },
        b: { url: "https://${HOST}/mcp", headers: { Authorization: "Bearer ${ONE}" } },
      }),
    );
    assert.deepEqual(
      err.issues.map((i) => i.path),
      ["mcpServers.a.args[0]", "mcpServers.a.args[2]", "mcpServers.b.url", "mcpServers.b.headers.Authorization"],
    );
    assert.match(err.issues[1].message, /THREE is not set \(used by server "a"\)/);
    assert.match(err.issues[2].message, /HOST is not set \(used by server "b"\)/);
    assert.equal(err.message.split("\n").length, 4);
  });

  it("rejects malformed references and points at the escape", () => {
    const err = configError(() => parse({ s: { command: "c", args: ["${1}", "${NAME", "${A-B}"] } }));
    assert.deepEqual(err.issues.map((i) => i.path), ["mcpServers.s.args[0]", "mcpServers.s.args[1]", "mcpServers.s.args[2]"]);
    assert.match(err.issues[0].message, /invalid variable reference "\$\{1\}".*\$\$\{ for a literal/);
    assert.match(err.issues[1].message, /invalid variable reference "\$\{"/);
  });

  it("interpolate() works standalone and throws a ConfigError naming the source", () => {
    assert.deepEqual(interpolate({ a: ["${X}", 1, null, true] }, { X: "x" }), { a: ["x", 1, null, true] });
    const err = configError(() => interpolate({ top: "${NOPE}" }, {}, "inline"));
    assert.equal(err.message, "inline: top: environment variable NOPE is not set");
  });
});

describe("referencedVariables", () => {
  it("lists each referenced name once, in first-use order, skipping escapes", () => {
    const doc = {
      mcpServers: {
        a: { command: "${BIN:-node}", args: ["${TOKEN}", "$${NOT_A_VAR}", "${TOKEN}"], env: { "${KEY_NAME}": "${HOME}" } },
      },
      separator: "${SEP}",
    };
    assert.deepEqual(referencedVariables(doc), ["BIN", "TOKEN", "HOME", "SEP"]);
    assert.deepEqual(referencedVariables(doc, { requiredOnly: true }), ["TOKEN", "HOME", "SEP"]);
    assert.deepEqual(referencedVariables("plain"), []);
  });
});

describe("parseConfig: errors", () => {
  it("bad JSON names the file, line and column", () => {
    const text = '{\n  "mcpServers": {\n    "a": { "command": "x" }\n    "b": {}\n  }\n}';
    const err = configError(() => parseConfig(text, "mcp.json", {}));
    assert.equal(err.source, "mcp.json");
    assert.match(err.message, /^mcp\.json: invalid JSON at line 4, column 5: /);
    assert.equal(err.issues[0].path, "");
  });

  it("locates errors V8 reports without a position (bad tokens), also after comments", () => {
    const afterComment = configError(() => parseConfig('{\n  // my servers\n  "mcpServers": {} x\n}', "mcp.json", {}));
    assert.match(afterComment.message, /^mcp\.json: invalid JSON at line 3, column 20: /);
    const token = configError(() => parseConfig('{"mcpServers": {"a": tru}}', "mcp.json", {}));
    assert.match(token.message, /^mcp\.json: invalid JSON at line 1, column 25: Unexpected token '\}'$/);
  });

  it("explains an empty file and accepts a BOM", () => {
    assert.match(configError(() => parseConfig("  \n", "mcp.json", {})).message, /^mcp\.json: file is empty/);
    assert.equal(parseConfig('\uFEFF{"mcpServers":{}}', "mcp.json", {}).servers.length, 0);
  });

  it("rejects an unknown key, naming it and suggesting the intended one", () => {
    const err = configError(() => parse({ weather: { comand: "weather-mcp" } }));
    const issue = issueAt(err, "mcpServers.weather");
    assert.match(issue.message, /^unknown key "comand" \(did you mean "command"\?\); expected one of: command, args,/);
    const nested = configError(() => parse({ s: { command: "c", tools: { alow: [] }, restart: { bogus: 1 } } }));
    assert.match(issueAt(nested, "mcpServers.s.tools").message, /unknown key "alow" \(did you mean "allow"\?\)/);
    assert.match(issueAt(nested, "mcpServers.s.restart").message, /^unknown key "bogus"; expected one of: initialDelayMs/);
  });

  it("rejects command and url together", () => {
    const err = configError(() => parse({ x: { command: "c", url: "http://h/mcp" } }));
    assert.match(issueAt(err, "mcpServers.x").message, /has both "command" and "url"/);
  });

  it("rejects an entry with neither command nor url", () => {
    const err = configError(() => parse({ x: { args: ["a"] } }));
    assert.deepEqual(err.issues, [{ path: "mcpServers.x", message: 'needs either "command" (local process) or "url" (remote server)' }]);
  });

  it("enforces type/command/url consistency", () => {
    const messageFor = (server: object, at: string) => issueAt(configError(() => parse({ x: server })), at).message;
    assert.equal(messageFor({ url: "http://h/mcp", type: "stdio" }, "mcpServers.x.type"), 'type "stdio" requires "command"');
    assert.equal(messageFor({ command: "c", type: "sse" }, "mcpServers.x.type"), 'type "sse" requires "url"');
    assert.equal(messageFor({ command: "c", type: "streamable-http" }, "mcpServers.x.type"), 'type "streamable-http" requires "url"');
    assert.equal(messageFor({ url: "https://h/ws", type: "ws" }, "mcpServers.x.url"), 'type "ws" requires a ws: or wss: URL');
    assert.equal(messageFor({ url: "ws://h", type: "http" }, "mcpServers.x.url"), 'type "http" requires an http: or https: URL');
  });

  it("rejects URLs that are relative or use another scheme", () => {
    for (const url of ["/mcp", "localhost:3000/mcp", "ftp://h/mcp", "file:///tmp/x"]) {
      const err = configError(() => parse({ x: { url } }));
      assert.equal(issueAt(err, "mcpServers.x.url").message, "expected an absolute http:, https:, ws: or wss: URL", url);
    }
  });

  it("names the exact JSON path and expectation of wrongly typed fields", () => {
    const err = configError(() =>
      parse({
        x: {
          command: "c",
          args: ["ok", 42],
          env: { PORT: 8080 },
          session: "per-user",
          timeout: "soon",
          restart: "always",
          disabled: "no",
        },
      }),
    );
    assert.deepEqual(
      Object.fromEntries(err.issues.map((i) => [i.path, i.message])),
      {
        "mcpServers.x.args[1]": "expected string, received number",
        "mcpServers.x.env.PORT": "expected string, received number",
        "mcpServers.x.session": 'expected one of "shared"|"per-client"',
        "mcpServers.x.timeout": 'expected a duration with its unit, such as "60s" or "500ms"',
        "mcpServers.x.restart": "expected true, false or an object { initialDelayMs?, maxDelayMs?, stableMs? }",
        "mcpServers.x.disabled": "expected boolean, received string",
      },
    );
    // One line per problem, each naming the file.
    const lines = err.message.split("\n");
    assert.equal(lines.length, err.issues.length);
    assert.ok(lines.includes(`${SOURCE}: mcpServers.x.args[1]: expected string, received number`), err.message);
  });

  it("reports problems inside restart with their full path", () => {
    const err = configError(() => parse({ x: { command: "c", restart: { initialDelayMs: -5 } } }));
    assert.deepEqual(err.issues, [{ path: "mcpServers.x.restart.initialDelayMs", message: "expected a number >= 0" }]);
    const order = configError(() => parse({ x: { command: "c", restart: { initialDelayMs: 5000, maxDelayMs: 100 } } }));
    assert.deepEqual(order.issues, [
      { path: "mcpServers.x.restart.maxDelayMs", message: "maxDelayMs (100) must be at least initialDelayMs (5000)" },
    ]);
  });

  it("checks the top level: mcpServers (or servers) required and an object, separator length", () => {
    assert.deepEqual(configError(() => parseConfig("{}", SOURCE, {})).issues, [
      { path: "mcpServers", message: 'missing: expected "mcpServers" (or "servers", as VS Code writes it), an object of servers by name' },
    ]);
    assert.deepEqual(configError(() => parseConfig('{"mcpServers":[]}', SOURCE, {})).issues, [
      { path: "mcpServers", message: "expected object, received array" },
    ]);
    assert.deepEqual(configError(() => parseConfig("[]", SOURCE, {})).issues, [
      { path: "", message: "expected object, received array" },
    ]);
    assert.equal(issueAt(configError(() => parse({}, {}, { separator: "::::::::::" })), "separator").message, "expected 1 to 8 characters");
    assert.equal(issueAt(configError(() => parse({}, {}, { namespace: "yes" })), "namespace").message, "expected boolean, received string");
  });

  it("validates server names and quotes awkward ones in paths", () => {
    const long = "n".repeat(65);
    const err = configError(() => parse({ [long]: { command: "c" }, "": { command: "c" } }));
    assert.equal(issueAt(err, `mcpServers.${long}`).message, "server name must be 1 to 64 characters (got 65)");
    assert.equal(issueAt(err, 'mcpServers[""]').message, "server name must be 1 to 64 characters (got 0)");
    assert.equal(parse({ ["n".repeat(64)]: { command: "c" } }).servers.length, 1);
    const dotted = configError(() => parse({ "my.server": { command: "c", args: [1] } }));
    assert.equal(dotted.issues[0].path, 'mcpServers["my.server"].args[0]');
  });
});

describe("disabled servers", () => {
  it("are dropped from servers and listed in disabledServers", () => {
    const config = parse({
      a: { command: "a" },
      b: { command: "b", disabled: true },
      c: { url: "http://h/mcp", disabled: false },
    });
    assert.deepEqual(config.servers.map((s) => s.name), ["a", "c"]);
    assert.deepEqual(config.disabledServers, ["b"]);
  });

  it("are neither interpolated nor validated (like a commented-out entry)", () => {
    const config = parse({ wip: { disabled: true, url: "${NOT_SET}", comand: 1 } });
    assert.deepEqual(config.servers, []);
    assert.deepEqual(config.disabledServers, ["wip"]);
  });
});

describe("cwd resolution", () => {
  it("resolves relative cwd against the config file's directory, keeps absolute ones", () => {
    const config = parse({ rel: { command: "c", cwd: "servers/rel" }, up: { command: "c", cwd: "../x" }, abs: { command: "c", cwd: "/opt/srv" } });
    assert.deepEqual(config.servers.map((s) => s.cwd), [
      path.resolve("/configs/servers/rel"),
      path.resolve("/x"),
      path.resolve("/opt/srv"),
    ]);
  });
});

describe("loadConfig", () => {
  it("reads a file, uses its absolute path as source and for cwd", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "multi-mcp-config-"));
    try {
      const file = path.join(dir, "mcp.json");
      writeFileSync(file, JSON.stringify({ mcpServers: { s: { command: "c", cwd: "work", env: { K: "${V}" } } } }));
      const config = loadConfig(path.relative(process.cwd(), file), { V: "v" });
      assert.equal(config.source, file);
      assert.equal(config.servers[0].cwd, path.join(dir, "work"));
      assert.deepEqual(config.servers[0].env, { K: "v" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports a missing file with its resolved absolute path", () => {
    const missing = path.join("no-such-dir", "mcp.json");
    const err = configError(() => loadConfig(missing, {}));
    const absolute = path.resolve(missing);
    assert.equal(err.source, absolute);
    assert.equal(err.message, `${absolute}: config file does not exist: ${absolute}`);
  });
});

describe("parseServerEntries", () => {
  it("validates and normalizes entries like a file does", () => {
    const result = parseServerEntries(
      { mcpServers: { added: { url: "https://h/sse", headers: { "X-Key": "${KEY}" } }, off: { command: "c", disabled: true } } },
      "admin API",
      { KEY: "k" },
    );
    assert.deepEqual(result.disabledServers, ["off"]);
    assert.equal(result.servers.length, 1);
    assert.equal(result.servers[0].transport, "sse");
    assert.deepEqual(result.servers[0].headers, { "X-Key": "k" });
  });

  it("reports problems with the given source and JSON paths", () => {
    const err = configError(() => parseServerEntries({ mcpServers: { bad: { command: "", args: "x" } } }, "admin API", {}));
    assert.equal(err.source, "admin API");
    assert.deepEqual(err.issues, [
      { path: "mcpServers.bad.command", message: "expected a non-empty string" },
      { path: "mcpServers.bad.args", message: "expected array, received string" },
    ]);
    assert.match(err.message, /^admin API: mcpServers\.bad\.command: expected a non-empty string$/m);
    assert.deepEqual(configError(() => parseServerEntries(null, "admin API", {})).issues, [
      { path: "", message: "expected object, received null" },
    ]);
  });
});
