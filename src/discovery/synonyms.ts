// Query expansion: words users say for the same action or object in software tasks ("folder" and
// "directory", "remove" and "delete", "repo" and "repository"). A query word also matches the other
// words of its groups, at a lower weight than the word itself. Generic vocabulary only: nothing
// here names a particular server or tool.
import { stem, tokenize } from './tokenize.js';

/** Weight of a word reached through a group, against 1 for a word of the query itself. */
export const SYNONYM_WEIGHT = 0.5;

const GROUPS = [
  // actions
  'create make new add open start setup build generate register',
  'add append insert attach',
  'delete remove drop erase discard destroy purge kick forget',
  'update change edit modify set turn enable disable toggle mark',
  'get fetch retrieve read show view display see open look grab extract',
  'list show enumerate all find',
  'search find lookup query locate look',
  'run execute trigger start launch invoke kick',
  'stop end terminate cancel halt hang kill abort',
  'send post text message notify tell',
  'write save store',
  'upload put push attach',
  'download get fetch export',
  'move rename relocate',
  'undo revert reset rollback',
  'diff difference compare',
  'navigate go visit browse open',
  'type fill enter input',
  'link relation relate associate association connect',
  'remember memory memorize recall',
  // things
  'directory folder dir',
  'file txt json md csv yaml yml pdf',
  'repository repo',
  'issue bug ticket',
  'message sms text chat conversation',
  'call phone dial ring',
  'image picture photo screenshot png jpg jpeg gif svg',
  'error exception crash failure fail',
  'participant member attendee people person',
  'balance credit funds money',
  'elevation altitude height high',
  'coordinates latitude longitude geocode location position',
  'pull_request pr merge_request',
];

/** stem → the stems it also matches. A group entry with "_" stands for several words ("pull_request"). */
const EXPANSIONS = new Map<string, Set<string>>();
for (const group of GROUPS) {
  const members = group.split(' ');
  for (const member of members) {
    const key = member.includes('_') ? undefined : stem(member);
    if (key === undefined) continue;
    const set = EXPANSIONS.get(key) ?? new Set<string>();
    for (const other of members) for (const t of tokenize(other)) if (t !== key) set.add(t);
    EXPANSIONS.set(key, set);
  }
}

/**
 * The query as groups: each word of the query with the words it also matches, each with its
 * weight (the word itself 1, a word reached through a group SYNONYM_WEIGHT). The ranker scores a
 * group as one term, so a tool saying "directory" answers "folder" almost as well as one saying "folder".
 */
export function expandQuery(query: string): Map<string, number>[] {
  const groups: Map<string, number>[] = [];
  const seen = new Set<string>();
  for (const t of tokenize(query)) {
    if (seen.has(t)) continue;
    seen.add(t);
    const group = new Map<string, number>([[t, 1]]);
    for (const other of EXPANSIONS.get(t) ?? []) if (!group.has(other)) group.set(other, SYNONYM_WEIGHT);
    groups.push(group);
  }
  return groups;
}
