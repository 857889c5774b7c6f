/**
 * The calculator pipeline from GoTaglio's guide, in the class form: prepare (a nunjucks template)
 * → infer (a model) → extract (parse the number) → assess (difference from the answer).
 */
import {
  internal,
  llm,
  loadTemplate,
  Pipeline,
  prompt,
  templateVariables,
  withContext,
  type CaseResult,
  type ChatMessage,
  type SetupContext,
  type Stages,
} from 'tagliots';

export interface CalcCase {
  uuid: string;
  keywords?: string[];
  /** The expression, as a user would type it. */
  user: string;
  /** Base of the numbers in the expression (10 or 16). */
  base: number;
  /** The expected result, in base 10. */
  answer: number;
}

export interface CalcStages {
  prepare: ChatMessage[];
  infer: string;
  extract: number;
  assess: number;
}

const defaults = {
  prepare: {
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

type Config = typeof defaults;
type Result = CaseResult<CalcCase, CalcStages, Config>;

/** Parses a model's answer as a number; "hello world" is an error, not NaN. */
export function parseNumber(text: string): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value)) throw new Error(`could not convert string to number: '${text}'`);
  return value;
}

export class CalcPipeline extends Pipeline<CalcCase, CalcStages, Config> {
  static override readonly name = 'calc';
  static override readonly description = 'A simple calculator pipeline';
  static override readonly config = defaults;

  override async stages(setup: SetupContext<Config>): Promise<Stages<CalcCase, CalcStages, Config>> {
    // Setup runs once, before any case: a bad template path or model name stops the run here.
    const template = await loadTemplate(setup.resolvePath(setup.config.prepare.template));
    setup.setInternal('prepare.templateSha256', template.sha256);
    const model = setup.models.get(setup.config.infer.model.name);

    return {
      prepare: (ctx) => [
        { role: 'system', content: template.render(templateVariables(ctx)) },
        { role: 'user', content: ctx.case.user },
      ],
      // The messages prepare rendered, sent to the model with the config's settings. With a
      // configured model (infer.model.name=<profile>), retries, rate limits, the response cache
      // and costs are handled and logged by the model layer.
      infer: await llm({
        model,
        messages: (ctx) => ctx.stages.prepare!,
        params: (ctx) => ctx.config.infer.model.settings,
      }),
      extract: (ctx) => withContext('Extracting numerical answer from LLM response.', () => parseNumber(ctx.stages.infer!)),
      assess: (ctx) => ctx.stages.extract! - ctx.case.answer,
    };
  }

  override expected({ case: c }: { case: CalcCase }): string {
    return String(c.answer);
  }

  override passed({ stages }: Result): boolean {
    return stages.assess === 0;
  }

  /** 1 for an exact answer, less the further off it is (relative error, floored at 0). */
  override score({ stages, case: c }: Result): number {
    return Math.max(0, 1 - Math.abs(stages.assess!) / Math.max(1, Math.abs(c.answer)));
  }

  override readonly columns = {
    user: (r: Result) => r.case.user,
    answer: (r: Result) => r.case.answer,
    got: (r: Result) => r.stages.extract ?? null,
  };
}
