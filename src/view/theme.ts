/**
 * The host's look on the view: its theme (light or dark) and its CSS variables (colours, font families and sizes,
 * radii), which the stylesheet reads with its own defaults behind them. The host's `styles.css.fonts` (@font-face
 * rules) is not applied: it loads fonts from the network, which this view's CSP forbids; a font family the host
 * names is still used when the machine has it.
 */
import type { McpUiHostContext } from '@modelcontextprotocol/ext-apps';

/** Applies what changed; a field the host left out keeps its last value, as the protocol's partial updates mean. */
export function applyContext(root: HTMLElement, context: McpUiHostContext): void {
  if (context.theme === 'light' || context.theme === 'dark') {
    root.dataset.theme = context.theme;
    root.style.colorScheme = context.theme;
  }
  const variables = context.styles?.variables;
  if (variables) {
    for (const [name, value] of Object.entries(variables)) {
      if (name.startsWith('--') && typeof value === 'string' && value) root.style.setProperty(name, value);
    }
  }
}
