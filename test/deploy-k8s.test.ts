// k8s/multi-mcp.yaml: it parses, has the ConfigMap / Deployment / NodePort Service the deployment
// needs, takes the API key from a Secret the user creates (none in the repo), agrees with the
// Dockerfile (port, config path, non-root uid), and its mcp.json is a valid config.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../src/config/index.js';
import { execForm, lastOf, parseDockerfile } from './helpers/dockerfile.js';
import { parseYamlDocuments } from './helpers/mini-yaml.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MANIFEST = path.join(REPO, 'k8s/multi-mcp.yaml');
const text = readFileSync(MANIFEST, 'utf8');

type Obj = Record<string, any>;

function byKind(docs: Obj[], kind: string): Obj {
  const found = docs.filter((d) => d.kind === kind);
  assert.equal(found.length, 1, `exactly one ${kind}`);
  return found[0];
}

describe('mini YAML reader', () => {
  it('reads the constructs the manifest uses', () => {
    const docs = parseYamlDocuments(
      [
        '# comment', '---', 'a: 1', 'b: "8080"', "c: 'it''s'", 'd: x:y # trailing', 'e:', '  - f: true', '    g: [] ', '  - plain',
        'h: |', '  {"k": 1}', '', '  line2', 'i: {}', '---', '- 0.0.0.0', '- --flag',
      ].join('\n'),
    );
    assert.deepEqual(docs, [
      { a: 1, b: '8080', c: "it's", d: 'x:y', e: [{ f: true, g: [] }, 'plain'], h: '{"k": 1}\n\nline2\n', i: {} },
      ['0.0.0.0', '--flag'],
    ]);
    assert.throws(() => parseYamlDocuments('a: [1, 2]'), /unsupported/);
    assert.throws(() => parseYamlDocuments('a: 1\n   b: 2'), /indentation/);
  });
});

describe('k8s/multi-mcp.yaml', () => {
  const docs = parseYamlDocuments(text) as Obj[];
  const dockerfile = parseDockerfile(readFileSync(path.join(REPO, 'Dockerfile'), 'utf8'));
  const image = dockerfile.at(-1)!;
  const imageCmd = execForm(lastOf(image, 'CMD')!.args);
  const configPath = imageCmd[imageCmd.indexOf('--config') + 1];

  it('has a ConfigMap, a Deployment and a Service, each named and labelled; no Secret with a key in the repo', () => {
    assert.deepEqual(docs.map((d) => d.kind).sort(), ['ConfigMap', 'Deployment', 'Service']);
    assert.doesNotMatch(text, /change-?me|stringData/i);
    for (const doc of docs) {
      assert.ok(doc.apiVersion, `${doc.kind} apiVersion`);
      assert.match(doc.metadata?.name ?? '', /^[a-z0-9-]+$/, `${doc.kind} name`);
    }
  });

  it("the ConfigMap's mcp.json is a valid config naming the bundled servers", () => {
    const configMap = byKind(docs, 'ConfigMap');
    const config = parseConfig(configMap.data['mcp.json'], '/config/mcp.json', {});
    assert.deepEqual(config.servers.map((s) => s.name), ['weather', 'calculator', 'unit_converter']);
    for (const server of config.servers) {
      assert.equal(server.transport, 'stdio');
      assert.match(server.args[0], /^fixtures\/servers\/\w+\.mjs$/, 'relative to the image WORKDIR');
    }
  });

  it('the Deployment runs the image non-root, with probes on /health, resources, the Secret and the config mount', () => {
    const deployment = byKind(docs, 'Deployment');
    const configMap = byKind(docs, 'ConfigMap');
    const pod = deployment.spec.template.spec;
    assert.deepEqual(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels);
    assert.equal(pod.containers.length, 1);
    const [container] = pod.containers;
    assert.match(container.image, /^multi-mcp(:|$)/);
    assert.deepEqual(container.args.map(String), imageCmd, 'same command line as the image CMD');

    const port = container.ports.find((p: Obj) => p.containerPort === Number(lastOf(image, 'EXPOSE')!.args));
    assert.ok(port, 'containerPort is the EXPOSEd port');
    for (const probe of ['readinessProbe', 'livenessProbe']) {
      assert.equal(container[probe].httpGet.path, '/health', probe);
      assert.ok([port.name, port.containerPort].includes(container[probe].httpGet.port), `${probe} port`);
    }

    for (const kind of ['requests', 'limits']) {
      assert.ok(container.resources[kind].cpu, `resources.${kind}.cpu`);
      assert.ok(container.resources[kind].memory, `resources.${kind}.memory`);
    }

    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`, lastOf(image, 'USER')!.args, 'uid:gid of the image');
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);

    const key = container.env.find((e: Obj) => e.name === 'MULTI_MCP_API_KEY');
    const { name, key: entry, optional } = key.valueFrom.secretKeyRef;
    assert.notEqual(optional, true, 'no key, no pod');
    const create = new RegExp(`kubectl create secret generic ${name}\\s+(\\\\\\s*#\\s*)?--from-literal=${entry}="\\$\\(openssl rand -hex 32\\)"`);
    assert.match(text, create, 'the header shows how to create the Secret the Deployment reads');

    const mount = container.volumeMounts.find((m: Obj) => m.mountPath === path.posix.dirname(configPath));
    assert.ok(mount, `config mounted at ${path.posix.dirname(configPath)}`);
    const volume = pod.volumes.find((v: Obj) => v.name === mount.name);
    assert.equal(volume.configMap.name, configMap.metadata.name);
    assert.ok(path.posix.basename(configPath) in configMap.data, 'the ConfigMap holds the file the image reads');
  });

  it('the Service is a NodePort on 30080 to the container port, with ClientIP affinity; scaling is documented', () => {
    const service = byKind(docs, 'Service');
    const deployment = byKind(docs, 'Deployment');
    assert.equal(service.spec.type, 'NodePort');
    assert.deepEqual(service.spec.selector, deployment.spec.template.metadata.labels);
    assert.equal(service.spec.ports.length, 1);
    const [port] = service.spec.ports;
    assert.equal(port.nodePort, 30080);
    assert.equal(port.port, 8080);
    const container = deployment.spec.template.spec.containers[0];
    assert.ok(container.ports.some((p: Obj) => p.name === port.targetPort || p.containerPort === port.targetPort), 'targetPort');
    assert.equal(service.spec.sessionAffinity, 'ClientIP');
    assert.match(text, /Scaling to several replicas/);
    assert.match(text, /Mcp-Session-Id/);
  });
});
