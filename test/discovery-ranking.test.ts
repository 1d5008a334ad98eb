// The lexical ranker behind search_tools: tokenization (snake_case, camelCase, kebab-case, light
// stemming), BM25 ordering, field weights, determinism; and the glob matcher of views and pins.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { globMatcher } from '../src/discovery/glob.js';
import { Ranker } from '../src/discovery/ranker.js';
import { ToolIndex } from '../src/discovery/tool-index.js';
import { expandQuery } from '../src/discovery/synonyms.js';
import { stem, tokenize } from '../src/discovery/tokenize.js';

describe('discovery: tokenize', () => {
  it('splits snake_case, camelCase, PascalCase, kebab-case and dotted names', () => {
    assert.deepEqual(tokenize('create_pull_request'), ['creat', 'pull', 'request']);
    assert.deepEqual(tokenize('getHTTPResponseCode'), ['get', 'http', 'respons', 'cod']);
    assert.deepEqual(tokenize('TwilioApiV2010--CreateMessage'), ['twilio', 'api', 'v2010', 'creat', 'messag']);
    assert.deepEqual(tokenize('API-get-user'), ['api', 'get', 'user']);
    assert.deepEqual(tokenize('kv.namespace.list'), ['kv', 'namespac', 'list']);
  });

  it('drops stop words and stems plurals, -ing, -ed and doubled consonants to one form', () => {
    assert.deepEqual(tokenize('Send a message to the channel'), ['send', 'messag', 'channel']);
    const same = (words: string[]) => assert.equal(new Set(words.map(stem)).size, 1, words.join(' / '));
    same(['issue', 'issues']);
    same(['create', 'created', 'creating', 'creates']);
    same(['repository', 'repositories']);
    same(['branch', 'branches']);
    same(['run', 'running']);
    same(['add', 'added', 'adding']);
    same(['query', 'queries', 'queried']);
    same(['file', 'files']);
    assert.equal(stem('status'), 'status');
    assert.equal(stem('class'), 'class');
    assert.equal(stem('string'), 'string');
    assert.equal(stem('s3'), 's3');
  });
});

const doc = (name: string, description: string) => [
  { key: 'name', text: name, weight: 3 },
  { key: 'description', text: description, weight: 1 },
];

describe('discovery: ranker', () => {
  const docs = [
    doc('list_issues', 'List issues in a GitHub repository'),
    doc('create_issue', 'Create a new issue in a GitHub repository'),
    doc('send_message', 'Post a message to a Slack channel'),
    doc('create_issue', 'Create a new issue in a GitHub repository'), // a twin of 1
  ];
  const ranker = new Ranker(docs);

  it('ranks the document sharing the rarer, better-placed terms first', () => {
    assert.deepEqual(ranker.search('open a new github issue', 4).map((h) => h.doc), [1, 3, 0]);
    assert.equal(ranker.search('post to slack', 1)[0].doc, 2);
  });

  it('breaks ties by document order, limits, and leaves out what shares no term', () => {
    const hits = ranker.search('create issue', 2);
    assert.deepEqual(hits.map((h) => h.doc), [1, 3]);
    assert.equal(hits[0].score, hits[1].score);
    assert.deepEqual(ranker.search('kubernetes pod', 5), []);
    assert.deepEqual(ranker.search('', 5), []);
    assert.deepEqual(ranker.search('issue', 0), []);
  });

  it('gives the same answer every time (scores reset between searches)', () => {
    const first = ranker.search('github repository issue', 4);
    for (let i = 0; i < 5; i++) assert.deepEqual(ranker.search('github repository issue', 4), first);
  });

  it('ToolIndex weighs the name over a parameter and shortens long descriptions', () => {
    const index = new ToolIndex(
      [
        { name: 'a__archive', description: 'Store old records', inputSchema: { type: 'object', properties: { delete: { description: 'delete the originals' } } } },
        { name: 'b__delete_record', description: 'x '.repeat(400), inputSchema: { type: 'object' } },
      ],
      (name) => ({ server: name.slice(0, 1), original: name.slice(3) }),
    );
    const hits = index.search('delete', 5);
    assert.deepEqual(hits.map((h) => h.name), ['b__delete_record', 'a__archive']);
    assert.equal(hits[0].server, 'b');
    assert.ok(hits[0].description.length <= 301 && hits[0].description.endsWith('…'));
    assert.equal(index.definition('a__archive')?.description, 'Store old records');
  });
});

describe('discovery: synonyms', () => {
  it('expands each query word with its group, at a lower weight than the word itself', () => {
    const [make, folder] = expandQuery('make a folder called backups');
    assert.equal(make.get('mak'), 1);
    assert.equal(make.get('creat'), 0.5);
    assert.equal(folder.get('folder'), 1);
    assert.equal(folder.get('directory'), 0.5);
    assert.equal(expandQuery('make a folder called backups').length, 3, '"called" introduces a name');
  });

  it('finds a tool by a synonym, and prefers the word itself', () => {
    const ranker = new Ranker([doc('create_directory', 'Create a new directory'), doc('remove_file', 'Remove a file'), doc('list_folders', 'List folders')]);
    assert.equal(ranker.search('make a folder', 1)[0].doc, 0, 'make → create, folder → directory');
    assert.equal(ranker.search('delete the file', 1)[0].doc, 1, 'delete → remove');
    assert.deepEqual(ranker.search('show the folders', 3).map((h) => h.doc), [2, 0], 'folder itself before directory');
  });

  it('indexes the original name, not an exposed name shortened with a hash', () => {
    const index = new ToolIndex([{ name: 'svc__CreateServiceConversatio_3b86a30d', inputSchema: {} }], () => ({
      server: 'svc',
      original: 'CreateServiceConversationWithParticipants',
    }));
    assert.deepEqual(index.search('participants', 1).map((h) => h.name), ['svc__CreateServiceConversatio_3b86a30d']);
  });
});

describe('discovery: globs', () => {
  it('matches whole names with * and ?, everything else literal', () => {
    const m = globMatcher(['github__*', 'slack__post_?essage', 'a.b']);
    assert.ok(m('github__create_issue'));
    assert.ok(m('slack__post_message'));
    assert.ok(m('a.b'));
    assert.ok(!m('axb'), 'a dot is a dot');
    assert.ok(!m('xgithub__x'), 'anchored');
    assert.ok(!m('slack__post_messages'));
    assert.ok(!globMatcher([])('anything'));
  });
});
