/** The page frame: the top bar and its tabs, the detail panel, and the state kept in the address (#…). */
import { BOOT, app } from './boot.ts';
import { appendChildren, h, type Child } from './dom.ts';

export interface Panel {
  readonly el: HTMLElement;
  isOpen(): boolean;
  /** Shows the panel with `content` (a node, or a promise of one). */
  show(options: PanelContent): Promise<void>;
  hide(): void;
}

export interface PanelContent {
  readonly heading: Child;
  readonly actions: readonly HTMLElement[];
  readonly content: Node | Promise<Node>;
  readonly wide?: boolean;
  readonly closeWith: () => void;
}

function createPanel(): Panel {
  const title = h('div', { class: 'panel-title' });
  const tools = h('div', { class: 'panel-tools' });
  const body = h('div', { class: 'panel-body' });
  let onClose: (() => void) | null = null;
  const close = h('button', { type: 'button', class: 'icon', 'aria-label': 'Close', title: 'Close (Esc)', text: '×', onclick: () => onClose?.() });
  const el = h('aside', { id: 'detail', class: 'panel', hidden: true, 'aria-live': 'polite' }, h('div', { class: 'panel-head' }, title, tools, close), body);
  let token = 0;
  return {
    el,
    isOpen: () => !el.hidden,
    async show({ heading, actions, content, wide, closeWith }) {
      const mine = ++token;
      onClose = closeWith;
      el.hidden = false;
      el.classList.toggle('wide', Boolean(wide));
      title.replaceChildren();
      appendChildren(title, [heading]);
      tools.replaceChildren(...actions);
      body.replaceChildren(h('p', { class: 'loading', text: 'Loading…' }));
      try {
        const node = await content;
        if (mine === token) {
          body.replaceChildren(node);
          body.scrollTop = 0;
        }
      } catch (error) {
        if (mine === token) body.replaceChildren(h('p', { class: 'problem', text: `Could not load the case: ${error instanceof Error ? error.message : String(error)}` }));
      }
    },
    hide() {
      token++;
      el.hidden = true;
      body.replaceChildren();
    },
  };
}

/** The one detail panel: a case, or a pair of cases side by side. */
export const panel: Panel = createPanel();

export interface Tab {
  readonly id: string;
  readonly label: string;
}

export interface Frame {
  readonly main: HTMLElement;
  readonly tabBar: HTMLElement | null;
}

export function renderFrame(options: { readonly title: string; readonly subtitle?: string; readonly tabs?: readonly Tab[]; readonly activeTab?: string; readonly onTab?: (id: string) => void }): Frame {
  const { title, subtitle, tabs, activeTab, onTab } = options;
  const tabBar = tabs && tabs.length > 1 ? h('nav', { class: 'tabs', role: 'tablist' }) : null;
  if (tabBar && tabs) {
    for (const tab of tabs) {
      tabBar.append(
        h('button', {
          type: 'button',
          role: 'tab',
          class: 'tab',
          id: `tab-${tab.id}`,
          'aria-selected': tab.id === activeTab ? 'true' : 'false',
          text: tab.label,
          onclick: () => onTab?.(tab.id),
        }),
      );
    }
  }
  const home = BOOT.mode === 'server' ? h('a', { class: 'brand', href: '/', text: 'tagliots' }) : h('span', { class: 'brand', text: 'tagliots' });
  const bar = h('header', { class: 'topbar' }, home, h('div', { class: 'top-title' }, h('span', { class: 'title', text: title }), subtitle ? h('span', { class: 'subtitle', text: subtitle }) : null), tabBar);
  const main = h('main', { id: 'main' });
  app.replaceChildren(bar, main, panel.el);
  return { main, tabBar };
}

export function selectTab(tabBar: HTMLElement | null, id: string): void {
  if (!tabBar) return;
  for (const button of tabBar.querySelectorAll('.tab')) button.setAttribute('aria-selected', button.id === `tab-${id}` ? 'true' : 'false');
}

export function hashParams(): URLSearchParams {
  return new URLSearchParams(location.hash.slice(1));
}

/** Sets (or, with null or '', removes) parameters of the address's `#…`. */
export function setHash(update: Readonly<Record<string, string | number | null | undefined>>): void {
  const params = hashParams();
  for (const [key, value] of Object.entries(update)) {
    if (value === null || value === undefined || value === '') params.delete(key);
    else params.set(key, String(value));
  }
  const text = params.toString();
  if (text === location.hash.slice(1)) return;
  location.hash = text;
}

// j and k step through the cases while the panel is open, unless the user is typing.
document.addEventListener('keydown', (event) => {
  if (!panel.isOpen() || (event.target instanceof Element && event.target.closest('input, select, textarea'))) return;
  if (event.key === 'j' || event.key === 'k') {
    const button = panel.el.querySelectorAll<HTMLButtonElement>('.panel-tools button')[event.key === 'k' ? 0 : 1];
    if (button && !button.disabled) button.click();
  }
});
