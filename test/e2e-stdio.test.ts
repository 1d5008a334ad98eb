// End to end through real processes: the MCP SDK client → `multi-mcp` (stdio) → fixture servers.
// (Raw-process checks — framing errors, stdout purity, shutdown, flags — are in e2e-process.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connectSdkClient, fixtureServer, writeConfig } from './helpers/proxy-process.js';

type Content = { type: string; text?: string }[];
const textOf = (result: unknown) => ((result as { content: Content }).content).map((c) => c.text ?? '').join('');

describe('e2e stdio: weather + calculator + unit_converter', { timeout: 60_000 }, () => {
  const servers = {
    mcpServers: {
      weather: fixtureServer('weather'),
      calculator: fixtureServer('calculator'),
      unit_converter: fixtureServer('unit_converter'),
    },
  };

  it('lists and calls every tool with the right results', async (t) => {
    const { client } = await connectSdkClient(t, writeConfig(t, servers));
    assert.equal(client.getServerVersion()?.name, 'multi-mcp');
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((x) => x.name).sort(), [
      'calculator__add',
      'calculator__divide',
      'calculator__multiply',
      'calculator__subtract',
      'unit_converter__convert_length',
      'unit_converter__convert_temperature',
      'unit_converter__convert_weight',
      'weather__get_forecast',
      'weather__get_weather',
    ]);
    const getWeather = tools.find((x) => x.name === 'weather__get_weather')!;
    assert.deepEqual(getWeather.inputSchema.required, ['city']);
    assert.ok(getWeather.outputSchema, 'outputSchema passed through');
    assert.deepEqual(getWeather.annotations, { readOnlyHint: true, openWorldHint: false });

    const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args });
    const calls: [string, Record<string, unknown>, (r: any) => void][] = [
      ['weather__get_weather', { city: 'Paris' }, (r) => {
        assert.match(textOf(r), /^Paris: -?\d+°C, /);
        assert.equal(r.structuredContent.city, 'Paris');
      }],
      ['weather__get_forecast', { city: 'Tokyo', days: 2 }, (r) => {
        assert.match(textOf(r), /^Forecast for Tokyo:\nDay 1: .*\nDay 2: /);
        assert.notEqual(r.isError, true);
      }],
      ['calculator__add', { a: 2, b: 3 }, (r) => assert.deepEqual([textOf(r), r.structuredContent], ['5', { result: 5 }])],
      ['calculator__subtract', { a: 2, b: 3 }, (r) => assert.deepEqual([textOf(r), r.structuredContent], ['-1', { result: -1 }])],
      ['calculator__multiply', { a: 4, b: 2.5 }, (r) => assert.deepEqual([textOf(r), r.structuredContent], ['10', { result: 10 }])],
      ['calculator__divide', { a: 7, b: 2 }, (r) => assert.deepEqual([textOf(r), r.structuredContent], ['3.5', { result: 3.5 }])],
      ['unit_converter__convert_length', { value: 1.5, from: 'km', to: 'm' }, (r) => assert.equal(textOf(r), '1.5 km = 1500 m')],
      ['unit_converter__convert_temperature', { value: 100, from: 'C', to: 'F' }, (r) => assert.equal(textOf(r), '100 C = 212 F')],
      ['unit_converter__convert_weight', { value: 2, from: 'kg', to: 'g' }, (r) => assert.equal(textOf(r), '2 kg = 2000 g')],
    ];
    for (const [name, args, check] of calls) check(await call(name, args));
    assert.equal(new Set(calls.map(([n]) => n)).size, tools.length, 'every listed tool was called');

    const divByZero = await call('calculator__divide', { a: 1, b: 0 });
    assert.equal(divByZero.isError, true);
    assert.equal(textOf(divByZero), 'Cannot divide by zero');
    const badDays = await call('weather__get_forecast', { city: 'Tokyo', days: 9 });
    assert.equal(badDays.isError, true);
    const badUnit = await call('unit_converter__convert_length', { value: 1, from: 'parsec', to: 'm' });
    assert.equal(badUnit.isError, true);
    assert.match(textOf(badUnit), /parsec/);
  });

  it('gets prompts, reads a resource and a templated resource, completes an argument', async (t) => {
    const { client } = await connectSdkClient(t, writeConfig(t, servers));
    const { prompts } = await client.listPrompts();
    assert.deepEqual(prompts.map((p) => p.name).sort(), ['calculator__explain_operation', 'weather__weather_report']);
    const report = await client.getPrompt({ name: 'weather__weather_report', arguments: { city: 'Cairo' } });
    assert.equal(report.messages[0].content.type, 'text');
    assert.match((report.messages[0].content as { text: string }).text, /Cairo/);
    const explain = await client.getPrompt({ name: 'calculator__explain_operation', arguments: { operation: 'divide' } });
    assert.match((explain.messages[0].content as { text: string }).text, /"divide"/);

    const { resources } = await client.listResources();
    assert.deepEqual(resources.map((r) => r.uri), ['weather://cities']);
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((r) => r.uriTemplate), ['weather://forecast/{city}']);

    const cities = await client.readResource({ uri: 'weather://cities' });
    assert.ok(JSON.parse((cities.contents[0] as { text: string }).text).includes('Paris'));
    const forecast = await client.readResource({ uri: 'weather://forecast/paris' });
    assert.equal(forecast.contents[0].uri, 'weather://forecast/paris');
    const body = JSON.parse((forecast.contents[0] as { text: string }).text);
    assert.equal(body.city, 'paris');
    assert.equal(body.days.length, 3);

    const completion = await client.complete({
      ref: { type: 'ref/prompt', name: 'weather__weather_report' },
      argument: { name: 'city', value: 'Pa' },
    });
    assert.deepEqual(completion.completion.values, ['Paris']);
    const templated = await client.complete({
      ref: { type: 'ref/resource', uri: 'weather://forecast/{city}' },
      argument: { name: 'city', value: 'S' },
    });
    assert.deepEqual(templated.completion.values, ['Sydney']);
  });
});

describe('e2e stdio: several servers', { timeout: 60_000 }, () => {
  it('reaches two backends exposing the same tool name under different names', async (t) => {
    const config = writeConfig(t, {
      mcpServers: {
        alpha: fixtureServer('echo', ['--name', 'alpha']),
        beta: fixtureServer('echo', ['--name', 'beta', '--tools', '1']),
      },
    });
    const { client } = await connectSdkClient(t, config);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((x) => x.name), ['alpha__echo', 'beta__echo', 'beta__tool_0']);
    assert.equal(textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: 'from alpha ✓' } })), 'from alpha ✓');
    assert.equal(textOf(await client.callTool({ name: 'beta__echo', arguments: { text: 'from beta' } })), 'from beta');
    assert.equal(textOf(await client.callTool({ name: 'beta__tool_0', arguments: { text: 'extra' } })), 'extra');
  });

  it('keeps serving when one backend command does not exist', async (t) => {
    const config = writeConfig(t, {
      mcpServers: {
        ghost: { command: '/nonexistent/multi-mcp-test/no-such-server', args: [] },
        calculator: fixtureServer('calculator'),
      },
    });
    const { client, stderr } = await connectSdkClient(t, config);
    const { tools } = await client.listTools();
    assert.ok(tools.length === 4 && tools.every((x) => x.name.startsWith('calculator__')), tools.map((x) => x.name).join());
    assert.equal(textOf(await client.callTool({ name: 'calculator__multiply', arguments: { a: 6, b: 7 } })), '42');
    const ghost = await client.callTool({ name: 'ghost__anything', arguments: {} }).catch((e: Error) => e);
    assert.ok(ghost instanceof Error, 'a tool of the missing server is unknown');
    assert.match(stderr(), /ghost/);
  });
});
