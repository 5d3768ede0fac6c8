/** find_users: turn a name, email or reference from the chat into the StackOne user id every other tool needs. */
import { clean } from '../errors.js';
import type { DirectoryRecord } from '../stackone/directory.js';
import { AccountId, FindUsersResult, optional, UserQuery } from '../stackone/schemas.js';
import { defineTool, directoryReader } from './define-tool.js';
import {
  askExactly,
  exactForm,
  isInactive,
  MAX_MATCHES,
  partialText,
  Rank,
  type Ranked,
  search,
  searchedText,
  str,
  verbatim,
} from './lookup.js';

export default defineTool({
  name: 'find_users',
  title: 'Find LMS users',
  description: [
    'Find LMS users by name (or part of one), email, external reference or id: the `id` the other tools need. Use whenever a person is named; never guess an id. Ignores case and accents; every word must match.',
    'Next: pass the id as `id` to the other tools.',
  ].join('\n'),
  input: { query: UserQuery, account_id: optional(AccountId) },
  output: FindUsersResult,
  endpoints: ['GET /unified/lms/users (cached)'],
  example: { query: 'Dana' },
  access: 'read',
  async handler({ query }, ctx) {
    const form = exactForm(query);
    const exact =
      form &&
      (await askExactly(
        ctx,
        'users',
        form === 'email' ? { email: query } : { external_reference: query },
        query,
        candidate,
      ));
    if (exact) {
      const where = `found by its exact ${form === 'email' ? 'email' : 'external reference'} (filter[${form === 'email' ? 'email' : 'external_reference'}]) in account ${clean(ctx.credentials.accountId, 80)}`;
      return answer(query, exact.found, where, exact.returned, true, undefined);
    }
    const view = await ctx.directory.read('users', directoryReader(ctx));
    const found = search(query, view.records, candidate);
    const where = `${searchedText(view.records.length, 'people', view.complete)} in account ${clean(ctx.credentials.accountId, 80)}`;
    return answer(query, found, where, view.records.length, view.complete, view.cutShort);
  },
});

function candidate(u: DirectoryRecord) {
  return {
    label: str(u.name),
    ids: [str(u.id), str(u.email), str(u.external_reference), str(u.remote_id)],
    extra: [str(u.email), str(u.external_reference)],
  };
}

function answer(
  query: string,
  found: Ranked<DirectoryRecord>[],
  where: string,
  searched: number,
  complete: boolean,
  cutShort: 'pages' | 'time' | undefined,
) {
  const shown = found.slice(0, MAX_MATCHES);
  return {
    summary: summarize(query, found, where, complete, cutShort),
    raw: { matches: shown.map((m) => m.record), more: found.length - shown.length, searched, complete },
  };
}

function summarize(
  query: string,
  found: Ranked<DirectoryRecord>[],
  where: string,
  complete: boolean,
  cutShort: 'pages' | 'time' | undefined,
): string {
  const partial = complete ? [] : [partialText('find_users', cutShort, 'the email, external reference or id')];
  if (found.length === 0) {
    return [
      `No LMS user matches ${JSON.stringify(clean(query, 80))} (${where}).`,
      'Try part of the name (a first name or surname alone), the email, or the external reference; check the spelling and account_id.',
      ...partial,
    ].join('\n');
  }
  const n = found.length;
  const lines = [
    `${n} LMS user${n === 1 ? '' : 's'} match${n === 1 ? 'es' : ''} ${JSON.stringify(clean(query, 80))} (${where}):`,
  ];
  for (const m of found.slice(0, MAX_MATCHES))
    lines.push(`- ${userLine(m.record)}${m.rank === Rank.Other ? ' (matched on email or reference, not name)' : ''}`);
  if (n > MAX_MATCHES)
    lines.push(`…and ${n - MAX_MATCHES} more not listed: add a surname, or use the email, to narrow.`);
  const exact = found.filter((m) => m.rank === Rank.Exact).length;
  if (n > 1 && exact !== 1)
    lines.push('Several people match: ask which one is meant, or narrow the query (a surname, the email).');
  lines.push(...partial);
  lines.push(
    n === 1 || exact === 1
      ? 'Next: pass the id as `id` to list_user_assignments, create_user_assignment or create_user_completion.'
      : 'Next: once you know which person, pass their id as `id` to the other tools.',
  );
  return lines.join('\n');
}

/** Name <email>: id …, external reference …, inactive. */
function userLine(u: DirectoryRecord): string {
  const name = str(u.name) ? clean(str(u.name) as string, 80) : '(no name)';
  const email = str(u.email) ? ` <${clean(str(u.email) as string, 120)}>` : '';
  const parts = [`id ${str(u.id) ? verbatim(str(u.id) as string) : '(none)'}`];
  if (str(u.external_reference)) parts.push(`external reference ${verbatim(str(u.external_reference) as string)}`);
  if (isInactive(u.active)) parts.push('inactive');
  return `${name}${email}: ${parts.join(', ')}`;
}
