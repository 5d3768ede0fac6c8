/**
 * The view's DOM, made from a Model: the totals (figures, a bar by status with a text legend, a completion rate)
 * above a real table with headers, paged so that 200 rows stay readable and the totals stay in sight. Every text
 * goes in through textContent, never as HTML, so nothing in a record can become markup. Status is always written
 * out; colour and the glyph only repeat it.
 */
import { type FollowUp, type Model, personFollowUp, type Row, STATE_LABEL } from './model.js';

export const PAGE_SIZE = 25;

/** What the person can do from the view: ask the host to send a message. Resolves false when the host refused. */
export type Ask = (followUp: FollowUp) => Promise<boolean>;

interface Column {
  label: string;
  cell(row: Row): Node | string;
}

const GLYPH: Readonly<Record<string, string>> = {
  overdue: '⚠',
  in_progress: '◐',
  pending: '○',
  completed: '✓',
  not_assigned: '–',
  unknown: '?',
};

export function renderModel(root: HTMLElement, model: Model, ask: Ask): void {
  const status = el('p', { class: 'sent', role: 'status' });
  const askFor = (followUp: FollowUp) => async () => {
    status.textContent = 'Sending to the chat…';
    status.textContent = (await ask(followUp)) ? 'Sent to the chat.' : 'The host did not take the message.';
  };
  const head = el('header', { class: 'head' }, [
    el('h1', {}, [model.heading]),
    figures(model),
    ...(model.totals.length ? [bar(model), legend(model)] : []),
    ...(model.rate ? [rate(model.rate)] : []),
    ...(model.note ? [el('p', { class: 'note' }, [model.note])] : []),
  ]);
  if (model.followUp) {
    const button = el('button', { type: 'button', class: 'ask' }, [model.followUp.label]);
    button.addEventListener('click', askFor(model.followUp));
    head.append(el('div', { class: 'actions' }, [button, status]));
  } else {
    head.append(status);
  }
  if (model.rows.length === 0) {
    root.replaceChildren(head, el('p', { class: 'empty' }, [`No ${model.noun[1]} to show.`]));
    return;
  }
  const columns = columnsFor(model, (row) => {
    const followUp = personFollowUp(row);
    if (!followUp) return undefined;
    const button = el('button', { type: 'button', class: 'ask small', 'aria-label': followUp.label }, ['Ask']);
    button.addEventListener('click', askFor(followUp));
    return button;
  });
  const caption = el('caption', { class: 'visually-hidden' });
  const body = el('tbody', { role: 'rowgroup' });
  const table = el('table', { role: 'table' }, [
    caption,
    el('thead', { role: 'rowgroup' }, [
      el(
        'tr',
        { role: 'row' },
        columns.map((c) => el('th', { scope: 'col', role: 'columnheader' }, [c.label])),
      ),
    ]),
    body,
  ]);
  const pager = el('nav', { class: 'pager', 'aria-label': 'Pages of rows' });
  const pages = Math.ceil(model.rows.length / PAGE_SIZE);
  let page = 0;
  const show = () => {
    const from = page * PAGE_SIZE;
    const rows = model.rows.slice(from, from + PAGE_SIZE);
    const range = `${from + 1}–${from + rows.length} of ${model.rows.length}`;
    caption.textContent = `${model.heading}, ${model.noun[1]} ${range}`;
    body.replaceChildren(...rows.map((row) => tableRow(row, columns)));
    if (pages > 1) {
      const previous = el('button', { type: 'button', 'data-page': 'previous' }, ['‹ Previous']);
      const next = el('button', { type: 'button', 'data-page': 'next' }, ['Next ›']);
      previous.disabled = page === 0;
      next.disabled = page === pages - 1;
      previous.addEventListener('click', () => turn(-1));
      next.addEventListener('click', () => turn(1));
      pager.replaceChildren(previous, el('span', { class: 'range' }, [`Rows ${range}`]), next);
    }
  };
  const turn = (by: number) => {
    page = Math.min(pages - 1, Math.max(0, page + by));
    show();
    const again = pager.querySelector<HTMLButtonElement>(`[data-page=${by < 0 ? 'previous' : 'next'}]`);
    (again && !again.disabled ? again : pager.querySelector<HTMLButtonElement>('button:not([disabled])'))?.focus();
  };
  show();
  root.replaceChildren(head, el('div', { class: 'scroll' }, [table]), ...(pages > 1 ? [pager] : []));
}

export function renderMessage(root: HTMLElement, text: string): void {
  root.replaceChildren(el('p', { class: 'empty', role: 'status' }, [text]));
}

function figures(model: Model): HTMLElement {
  const [one, many] = model.noun;
  const parts: Array<Node | string> = [
    el('strong', { 'data-figure': 'rows' }, [String(model.count)]),
    ` ${model.count === 1 ? one : many}`,
  ];
  if (model.kind !== 'completions') {
    parts.push(' · ', el('strong', { 'data-figure': 'overdue' }, [String(model.overdue)]), ' overdue');
  }
  return el('p', { class: 'figures' }, parts);
}

/** The totals as one bar: each status a segment as wide as its share. The legend below says the same in words. */
function bar(model: Model): HTMLElement {
  const all = model.totals.reduce((sum, t) => sum + t.count, 0);
  const segments = model.totals
    .filter((t) => t.count > 0)
    .map((t) => {
      const segment = el('span', { class: `segment s-${slug(t.key)}`, title: `${t.label}: ${t.count}` });
      segment.style.flexGrow = String(t.count);
      return segment;
    });
  return el(
    'div',
    {
      class: 'bar',
      role: 'img',
      'aria-label': `By status, of ${all}: ${model.totals.map((t) => `${t.count} ${t.label.toLowerCase()}`).join(', ')}`,
    },
    segments,
  );
}

function legend(model: Model): HTMLElement {
  return el(
    'ul',
    { class: 'legend' },
    model.totals.map((t) =>
      el('li', { 'data-total': slug(t.key) }, [
        el('span', { class: `swatch s-${slug(t.key)}`, 'aria-hidden': 'true' }),
        `${t.label} `,
        el('strong', {}, [String(t.count)]),
      ]),
    ),
  );
}

function rate(r: NonNullable<Model['rate']>): HTMLElement {
  const of = r.completed !== undefined && r.of !== undefined ? ` (${r.completed} of ${r.of})` : '';
  return el('div', { class: 'rate' }, [
    el('p', {}, [`${r.title}: `, el('strong', { 'data-figure': 'rate' }, [`${r.percent}%`]), ` completed${of}`]),
    meter(r.percent, `${r.title} completion rate`),
  ]);
}

function columnsFor(model: Model, action: (row: Row) => Node | undefined): Column[] {
  const { kind } = model;
  const learning: Column = { label: 'Learning', cell: learningCell };
  const status: Column = { label: 'Status', cell: statusCell };
  const progress: Column = {
    label: 'Progress',
    cell: (r) => (r.progress === undefined ? '—' : meterWithText(r.progress, 'Progress')),
  };
  const due: Column = { label: 'Due', cell: dueCell };
  const completed: Column = { label: 'Completed', cell: (r) => r.completed ?? '—' };
  const result: Column = { label: 'Result', cell: resultCell };
  if (kind === 'assignments') return [learning, status, progress, due, completed, result];
  if (kind === 'completions') {
    return [
      learning,
      completed,
      result,
      {
        label: 'Score',
        cell: (r) =>
          r.scorePercent === undefined ? (r.score ?? '—') : meterWithText(r.scorePercent, 'Score', r.score),
      },
      { label: 'Time spent', cell: (r) => r.timeSpent ?? '—' },
    ];
  }
  const person: Column = {
    label: 'Person',
    cell: (r) => {
      const who = el('span', { class: 'learning' }, [el('span', { class: 'title' }, [r.person ?? '—'])]);
      if (r.personId && r.personId !== r.person) who.append(el('span', { class: 'ref' }, [r.personId]));
      const button = action(r);
      return button ? el('span', { class: 'with-action' }, [who, button]) : who;
    },
  };
  return model.oneLearningObject
    ? [person, status, progress, due, completed, result]
    : [person, learning, status, progress, due, completed, result];
}

function tableRow(row: Row, columns: Column[]): HTMLElement {
  const tr = el('tr', { role: 'row', class: `r-${row.state}` });
  columns.forEach((column, i) => {
    const attrs = { 'data-label': column.label, role: i === 0 ? 'rowheader' : 'cell' };
    tr.append(el(i === 0 ? 'th' : 'td', i === 0 ? { ...attrs, scope: 'row' } : attrs, [column.cell(row)]));
  });
  return tr;
}

function learningCell(row: Row): Node {
  const cell = el('span', { class: 'learning' }, [el('span', { class: 'title' }, [row.title])]);
  if (row.reference) cell.append(el('span', { class: 'ref' }, [row.reference]));
  return cell;
}

function statusCell(row: Row): Node {
  return el('span', { class: `badge s-${row.state}`, 'data-state': row.state }, [
    el('span', { 'aria-hidden': 'true' }, [GLYPH[row.state] ?? '?']),
    ` ${row.status || STATE_LABEL[row.state]}`,
  ]);
}

/** Pass and Fail in words, with a glyph and the status colours repeating them; any other result as given. */
function resultCell(row: Row): Node | string {
  if (!row.result) return '—';
  const glyph = row.result === 'Pass' ? '✓' : row.result === 'Fail' ? '✗' : '';
  if (!glyph) return row.result;
  return el('span', { class: `badge s-${slug(row.result)}` }, [
    el('span', { 'aria-hidden': 'true' }, [glyph]),
    ` ${row.result}`,
  ]);
}

function dueCell(row: Row): Node | string {
  if (!row.due) return '—';
  if (row.daysOverdue === undefined) return row.due;
  const late = row.daysOverdue === 0 ? 'due today' : `${row.daysOverdue} day${row.daysOverdue === 1 ? '' : 's'} late`;
  return el('span', { class: 'due' }, [row.due, el('span', { class: 'late' }, [late])]);
}

function meterWithText(value: number, label: string, text = `${value}%`): Node {
  return el('span', { class: 'meter-cell' }, [meter(value, label), el('span', { class: 'pct' }, [text])]);
}

/** A bar drawn with CSS alone: no image, which some hosts' CSP blocks even as data:. */
function meter(value: number, label: string): HTMLElement {
  const fill = el('span', { class: 'fill' });
  fill.style.width = `${value}%`;
  return el(
    'span',
    {
      class: 'meter',
      role: 'progressbar',
      'aria-label': label,
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': String(value),
    },
    [fill],
  );
}

function slug(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  children: Array<Node | string> = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}
