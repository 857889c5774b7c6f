/**
 * A customer-support agent with tools: it looks orders up, lists a customer's orders, issues
 * refunds within a policy and escalates to a human (tools.ts, over the in-memory store of
 * store.ts). Per case, or per turn of a conversation: prepare (the system prompt, the earlier
 * turns with their tool calls and results, the customer's words) → agent (`llm()` with the tools:
 * the tool loop) → assess (the tool calls against the expected ones, and the answer).
 *
 * Offline, the `perfect` mock plays each case's expected tool calls and answer, and `flakey`
 * spoils the first round of two cases in three (arguments that are not JSON, a wrong tool).
 */
import { join } from 'node:path';
import {
  checkContains,
  checkEquals,
  checkToolCalls,
  checkToolNotCalled,
  combineChecks,
  definePipeline,
  llm,
  loadTemplate,
  prompt,
  scoreToolCalls,
  type CaseResult,
  type ChatMessage,
  type CheckResult,
  type StageContext,
  type ToolLoopResult,
} from 'tagliots';
import { MAX_AGENT_REFUND, REFUND_WINDOW_DAYS, TODAY } from './store.ts';
import { supportTools } from './tools.ts';

/** A tool call a turn expects; `arguments` lists the ones that matter (others may be given too). */
export type ExpectedCall = { name: string; arguments?: { [key: string]: string | number } };

/** What the agent should do: its tool calls (a list inside the list: one round of parallel calls), then its answer. */
export type AgentExpectation = { toolCalls: (ExpectedCall | ExpectedCall[])[]; answer: string };

export interface AgentTurn {
  /** What the customer says. */
  user: string;
  expected: AgentExpectation;
  /** Words the answer must contain (case does not matter), so real models can pass without the exact text. */
  mentions?: string[];
}

/** A single-turn case is a turn itself; a conversation has `turns`. */
export interface AgentCase extends Partial<AgentTurn> {
  id: string;
  keywords?: string[];
  turns?: AgentTurn[];
}

export interface AgentStages {
  prepare: ChatMessage[];
  agent: ToolLoopResult;
  assess: { passed: boolean; f1: number; checks: CheckResult[] };
}

const config = {
  agent: {
    model: prompt('Model that plays the support agent'),
    settings: { temperature: 0 },
    /** Rounds of tool calls before the loop gives up. */
    maxToolRounds: 6,
  },
};

type Config = typeof config;
type Ctx = StageContext<AgentCase, AgentStages, Config>;
type Result = CaseResult<AgentCase, AgentStages, Config>;

/** The customer's words and what is expected of the agent, for the case or the current turn. */
function turnOf(ctx: { readonly turnCase?: AgentCase }): AgentTurn {
  const turn = ctx.turnCase;
  if (!turn?.user || !turn.expected) throw new Error('a case needs user and expected, or turns of { user, expected }');
  return { user: turn.user, expected: turn.expected, ...(turn.mentions && { mentions: turn.mentions }) };
}

export default definePipeline<AgentCase, AgentStages, Config>({
  name: 'agent',
  description: 'Customer-support agent with tools: order lookups, refunds within a policy, escalation',
  config,
  async stages(setup) {
    const system = (await loadTemplate(join(import.meta.dirname, 'system.njk'))).render({ today: TODAY, windowDays: REFUND_WINDOW_DAYS, maxRefund: MAX_AGENT_REFUND });
    return {
      prepare: (ctx: Ctx) => {
        const messages: ChatMessage[] = [{ role: 'system', content: system }];
        // The conversation so far: each earlier turn's words, and what the agent did and said.
        ctx.turns.forEach((earlier, i) => {
          messages.push({ role: 'user', content: ctx.case.turns![i]!.user }, ...(earlier.stages.agent?.messages ?? []));
        });
        messages.push({ role: 'user', content: turnOf(ctx).user });
        return messages;
      },
      agent: await llm({
        model: setup.models.get(setup.config.agent.model),
        messages: (ctx: Ctx) => ctx.stages.prepare!,
        params: (ctx: Ctx) => ctx.config.agent.settings,
        tools: supportTools,
        maxToolRounds: setup.config.agent.maxToolRounds,
      }),
      assess: (ctx: Ctx) => {
        const { expected, mentions = [] } = turnOf(ctx);
        const agent = ctx.stages.agent!;
        const checks: CheckResult[] = [
          { ...checkEquals(agent.outcome, 'answer'), name: 'answered' },
          expected.toolCalls.length === 0 ? checkToolNotCalled(agent) : checkToolCalls(agent, expected.toolCalls),
          ...mentions.map((word) => ({ ...checkContains(agent.answer ?? '', word, { ignoreCase: true }), name: `mentions ${word}` })),
        ];
        return { ...combineChecks(checks), f1: scoreToolCalls(agent, expected.toolCalls)!.f1 };
      },
    };
  },
  // What the perfect mock plays: the tool calls, then the answer.
  expected: (ctx) => (ctx.turnCase?.expected ? turnOf(ctx).expected : undefined),
  passed: ({ stages }: Result) => stages.assess?.passed === true,
  score: ({ stages }: Result) => stages.assess?.f1 ?? null,
  columns: {
    user: (r: Result) => (r.turn === null && r.case.turns ? `${r.case.turns.length} turns` : (r.turnCase?.user ?? r.case.user ?? null)),
    tools: (r: Result) => {
      const calls = r.turn === null && r.case.turns ? r.turns!.flatMap((turn) => turn.stages.agent?.toolCalls ?? []) : (r.stages.agent?.toolCalls ?? []);
      return calls.map((call) => call.name).join(', ') || '-';
    },
    outcome: (r: Result) => (r.turn === null && r.case.turns ? null : (r.stages.agent?.outcome ?? null)),
  },
});
