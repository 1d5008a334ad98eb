// Matching concrete URIs against RFC 6570 templates (resources/read routing).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileUriTemplate } from '../src/router/uri-template.js';

function check(template: string, matching: string[], notMatching: string[]): void {
  const re = compileUriTemplate(template);
  for (const uri of matching) assert.ok(re.test(uri), `${template} should match ${uri}`);
  for (const uri of notMatching) assert.ok(!re.test(uri), `${template} should not match ${uri}`);
}

describe('compileUriTemplate', () => {
  it('matches a simple {var} within one path segment', () => {
    check(
      'weather://forecast/{city}',
      ['weather://forecast/paris', 'weather://forecast/New%20York'],
      ['weather://forecast/paris/extra', 'weather://forecasts/paris', 'weather://cities', 'xweather://forecast/paris'],
    );
  });

  it('matches several variables', () => {
    check('db://{schema}/{table}/rows', ['db://public/users/rows'], ['db://public/rows', 'db://a/b/c/rows']);
  });

  it('lets {+path} span slashes', () => {
    check('file:///{+path}', ['file:///etc/hosts', 'file:///a/b/c.txt'], ['file://etc/hosts', 'http:///a']);
    check('repo://{owner}/{+path}', ['repo://me/src/a/b.ts'], ['repo://me', 'other://me/a']);
  });

  it('matches optional query expressions {?q,r} and {&s}', () => {
    check(
      'search://items{?q,r}',
      ['search://items', 'search://items?q=1', 'search://items?q=1&r=two'],
      ['search://itemsX', 'search://items/q', 'search://other?q=1'],
    );
    check('search://items?q={q}{&page}', ['search://items?q=a', 'search://items?q=a&page=2'], ['search://items?x=a']);
  });

  it('supports path, label, matrix and fragment expressions', () => {
    check('api://v1{/segments}', ['api://v1', 'api://v1/a', 'api://v1/a/b'], ['api://v1x', 'api://v2/a']);
    check('file://doc{.ext}', ['file://doc', 'file://doc.txt'], ['file://docx']);
    check('m://x{;p}', ['m://x', 'm://x;p=1'], ['m://xp']);
    check('page://home{#section}', ['page://home', 'page://home#top'], ['page://homes']);
  });

  it('treats regex special characters in literals literally', () => {
    check(
      'a+b://x.y/(z)[1]/$^{id}|*?',
      ['a+b://x.y/(z)[1]/$^42|*?'],
      ['aab://x.y/(z)[1]/$^42|*?', 'a+b://xzy/(z)[1]/$^42|*?', 'a+b://x.y/z1/$^42', 'a+b://x.y/(z)[1]/$^42|**?'],
    );
  });

  it('matches a template without expressions exactly', () => {
    check('weather://cities', ['weather://cities'], ['weather://cities/', 'weather://citiesX', 'weather://citie']);
  });
});
