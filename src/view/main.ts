/**
 * The view's entry: connects to the host, follows its theme, renders each tool result it is handed, and keeps the
 * host told of its height. It reads the clock once per result (what is overdue) through src/clock.ts, and talks to
 * nothing but the host.
 */
import { systemClock } from '../clock.js';
import { connectHost } from './host.js';
import { type Hints, modelOf } from './model.js';
import { renderMessage, renderModel } from './render.js';
import { applyContext } from './theme.js';

declare const VIEW_VERSION: string;

const root = document.documentElement;
const app = document.getElementById('app') as HTMLElement;
const hints: Hints = {};
/** The browser's clock, read where the server's is (src/clock.ts): what is overdue now, for the person looking. */
const now = systemClock;
renderMessage(app, 'Waiting for the result…');

const host = await connectHost(
  window,
  {
    toolInput: ({ arguments: args }) => {
      if (args) hints.args = args;
    },
    toolResult: (result) => {
      if (result.isError) return renderMessage(app, 'The call did not succeed: the chat has the details.');
      const model = modelOf(result.structuredContent, now(), hints);
      if ('empty' in model) return renderMessage(app, model.empty);
      renderModel(app, model, (followUp) => host.message(followUp.text));
    },
    toolCancelled: () => renderMessage(app, 'The call was cancelled.'),
    contextChanged: (context) => applyContext(root, context),
  },
  { name: 'stackone-lms-view', version: VIEW_VERSION },
);
applyContext(root, host.context);
const toolName = host.context.toolInfo?.tool?.name;
if (typeof toolName === 'string') hints.toolName = toolName;

// The body's own height (not the document's scroll height, which never shrinks below the frame's).
new ResizeObserver(() => host.sizeChanged(Math.ceil(document.body.getBoundingClientRect().height))).observe(
  document.body,
);
