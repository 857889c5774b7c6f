/**
 * GoTaglio's coffee-shop ordering bot, multi-turn: each case starts from a
 * cart and has turns of `{ user, expected }`. Per turn: prepare (the system prompt from the
 * `prepare.template` file, the conversation so far, the cart at turn entry, the user's words) →
 * infer (a model) → extract (the JSON cart) → assess (tree-repair cost between the produced and
 * the expected cart; a turn passes at cost 0).
 *
 * The settings are GoTaglio's, so its command line runs as written:
 *   tagliots run menu samples/menu/data/cases.yaml prepare.template=samples/menu/data/template.txt infer.model.name=perfect
 * - `prepare.assistant_history`, `prepare.user_history`: which messages of the earlier turns the
 *   prompt repeats (the carts, the customer's words);
 * - `prepare.linked_turns`: a turn starts from the cart the model produced in the previous turn
 *   (true) or from the previous turn's expected cart (false).
 */
import {
  definePipeline,
  internal,
  loadTemplate,
  prompt,
  stage,
  templateVariables,
  treeRepair,
  withContext,
  type CaseResult,
  type ChatMessage,
  type StageContext,
} from 'tagliots';

export interface MenuOption {
  name: string;
  quantity?: number;
  amount?: 'no' | 'light' | 'regular' | 'extra';
}

export interface MenuItem {
  name: string;
  quantity: number;
  size?: string;
  temperature?: string;
  options?: MenuOption[];
}

export interface Cart {
  items: MenuItem[];
}

export interface MenuTurn {
  user: string;
  expected: Cart;
}

export interface MenuCase {
  uuid: string;
  keywords?: string[];
  /** The cart when the conversation starts. */
  cart: Cart;
  turns: MenuTurn[];
}

export interface MenuStages {
  prepare: ChatMessage[];
  infer: string;
  extract: Cart;
  assess: { cost: number; steps: string[] };
}

const config = {
  prepare: {
    /** Repeat the assistant messages (the carts) of the earlier turns; without it only the initial cart stays, and only with user_history. */
    assistant_history: true,
    /** Repeat the user messages of the earlier turns. */
    user_history: true,
    /** Start each turn from the cart the model produced in the previous turn (else the expected one). */
    linked_turns: true,
    template: prompt('Template file for system message'),
    templateSha256: internal<string>('sha256 of the template text, so a changed template shows in the log'),
  },
  infer: {
    model: {
      name: prompt('Model name to use for inference stage'),
      settings: { max_tokens: 800, temperature: 0.7, top_p: 0.95, frequency_penalty: 0, presence_penalty: 0 },
    },
  },
};

type Config = typeof config;
type Ctx = StageContext<MenuCase, MenuStages, Config>;
type Result = CaseResult<MenuCase, MenuStages, Config>;

/** A cart as GoTaglio writes it into a message: JSON indented by two spaces. */
export function cartText(cart: Cart): string {
  return JSON.stringify(cart, null, 2);
}

/** The cart at the start of the current turn. */
export function cartAtTurnEntry(ctx: Pick<Ctx, 'case' | 'turn' | 'turns' | 'config'>): Cart {
  const turn = ctx.turn ?? 0;
  if (turn === 0) return ctx.case.cart;
  const previous = ctx.turns[turn - 1];
  if (ctx.config.prepare.linked_turns && previous?.stages.extract) return previous.stages.extract;
  return ctx.case.turns[turn - 1]!.expected;
}

/**
 * The messages the previous turn sent after its system message, kept as the history settings say:
 * without assistant history only the first assistant message (the initial cart) stays, and only
 * when user history is on; without user history the user messages go.
 */
export function history(previous: readonly ChatMessage[], settings: { assistant_history: boolean; user_history: boolean }): ChatMessage[] {
  let kept = previous.filter((message) => message.role !== 'system');
  if (!settings.assistant_history) {
    const first = kept.findIndex((message) => message.role === 'assistant');
    kept = kept.filter((message, i) => message.role !== 'assistant' || (i === first && settings.user_history));
  }
  if (!settings.user_history) kept = kept.filter((message) => message.role !== 'user');
  return kept;
}

/** Strips a ```json fence and any backticks, then parses the cart. */
export function parseCart(text: string): Cart {
  const body = text.trim().replace(/^```(?:json)?\s*\n?/, '').replace(/`+/g, '').trim();
  const value = JSON.parse(body) as unknown;
  if (typeof value !== 'object' || value === null || !Array.isArray((value as Cart).items)) throw new Error('the reply is JSON but not a cart: it has no items list');
  return value as Cart;
}

export default definePipeline<MenuCase, MenuStages, Config>({
  name: 'menu',
  description: 'Coffee-shop ordering bot: multi-turn carts scored by tree-repair cost',
  config,
  stages: async (setup) => {
    // GoTaglio's templates are Jinja2, which drops the file's final newline.
    const template = await loadTemplate(setup.resolvePath(setup.config.prepare.template), { keepTrailingNewline: false });
    setup.setInternal('prepare.templateSha256', template.sha256);
    const model = setup.models.get(setup.config.infer.model.name);
    return {
      // Each turn repeats the previous turn's messages (so the whole conversation, as the history
      // settings keep it), then states the cart at turn entry and the customer's words.
      prepare: (ctx) => {
        const previous = ctx.turn ? (ctx.turns[ctx.turn - 1]?.stages.prepare ?? []) : [];
        return [
          { role: 'system', content: template.render(templateVariables(ctx)) },
          ...history(previous, ctx.config.prepare),
          { role: 'assistant', content: cartText(cartAtTurnEntry(ctx)) },
          { role: 'user', content: ctx.turnCase.user },
        ];
      },
      infer: stage(async (ctx: Ctx) => {
        const reply = await model.complete({ messages: ctx.stages.prepare!, params: ctx.config.infer.model.settings }, ctx);
        return reply.text;
      }),
      extract: (ctx) => withContext('Extracting JSON from LLM response.', () => parseCart(ctx.stages.infer!)),
      assess: (ctx) => {
        const { cost, steps } = treeRepair(ctx.stages.extract!.items, ctx.turnCase.expected.items);
        return { cost, steps: [...steps] };
      },
    };
  },
  expected: (ctx) => (ctx.turnCase ? JSON.stringify(ctx.turnCase.expected) : undefined),
  passed: ({ stages }: Result) => stages.assess?.cost === 0,
  columns: {
    // The case row: the total over the turns, when every turn completed.
    cost: (r: Result) =>
      r.turn === null ? (r.status === 'complete' ? r.turns!.reduce((sum, t) => sum + (t.stages.assess?.cost ?? 0), 0) : null) : (r.stages.assess?.cost ?? null),
    user: (r: Result) => (r.turn === null ? `${r.case.turns.length} turns` : r.turnCase!.user),
  },
});
