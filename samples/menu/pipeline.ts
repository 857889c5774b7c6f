/**
 * GoTaglio's coffee-shop ordering bot (gotaglio-spec §8.3), multi-turn: each case starts from a
 * cart and has turns of `{ user, expected }`. Per turn: prepare (system prompt, the conversation so
 * far, the cart at turn entry, the user's words) → infer (a model) → extract (the JSON cart) →
 * assess (tree-repair cost between the produced and the expected cart; a turn passes at cost 0).
 *
 * With `prepare.linked_turns` (default true) a turn starts from the cart the model produced in the
 * previous turn; otherwise from the previous turn's expected cart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  definePipeline,
  prompt,
  stage,
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
    /** Start each turn from the cart the model produced in the previous turn (else the expected one). */
    linked_turns: true,
  },
  infer: {
    model: { name: prompt('Model name to use for inference stage'), settings: { temperature: 0 } },
  },
};

type Config = typeof config;
type Ctx = StageContext<MenuCase, MenuStages, Config>;
type Result = CaseResult<MenuCase, MenuStages, Config>;

const SYSTEM = readFileSync(join(import.meta.dirname, 'system.txt'), 'utf8');

/** The cart at the start of the current turn. */
export function cartAtTurnEntry(ctx: Pick<Ctx, 'case' | 'turn' | 'turns' | 'config'>): Cart {
  const turn = ctx.turn ?? 0;
  if (turn === 0) return ctx.case.cart;
  const previous = ctx.turns[turn - 1];
  if (ctx.config.prepare.linked_turns && previous?.stages.extract) return previous.stages.extract;
  return ctx.case.turns[turn - 1]!.expected;
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
  stages: ({ config: resolved, models }) => {
    const model = models.get(resolved.infer.model.name);
    return {
      prepare: (ctx) => {
        const messages: ChatMessage[] = [{ role: 'system', content: SYSTEM }];
        // The conversation so far: each earlier turn's words and the cart it ended with.
        ctx.turns.forEach((earlier, i) => {
          messages.push({ role: 'user', content: ctx.case.turns[i]!.user });
          const cart = ctx.config.prepare.linked_turns && earlier.stages.extract ? earlier.stages.extract : ctx.case.turns[i]!.expected;
          messages.push({ role: 'assistant', content: JSON.stringify(cart) });
        });
        if (ctx.turns.length === 0) messages.push({ role: 'assistant', content: JSON.stringify(cartAtTurnEntry(ctx)) });
        messages.push({ role: 'user', content: ctx.turnCase.user });
        return messages;
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
