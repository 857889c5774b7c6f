/**
 * The files `tagliots init` writes into a new project, as text. They live in the code (not as
 * files beside it) so the bundled package carries them without a copy step. The example runs
 * offline: its suite picks the `perfect` mock model, which answers what the pipeline's
 * `expected()` says.
 */

/** The TypeScript major the initialised project type-checks with. */
export const INIT_TYPESCRIPT_RANGE: string = '~5.9.3';
/** The zod the initialised project shares with tagliots (a peer dependency). */
export const INIT_ZOD_RANGE: string = '^4.1.0';
/** Node's types: tagliots' declarations name Node's (AbortSignal, Buffer). */
export const INIT_NODE_TYPES_RANGE: string = '^20.19.0';

/** `package.json` scripts the project gets. */
export const INIT_SCRIPTS: Readonly<Record<string, string>> = {
  eval: 'tagliots run suites/example.json',
  'eval:ci': 'tagliots run suites/example.json && tagliots gate latest',
  typecheck: 'tsc --noEmit',
};

export const TSCONFIG: string = `{
  // Type-checks the pipelines and the config; tagliots loads them itself (no build step).
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2023"],
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "exactOptionalPropertyTypes": true,
    "verbatimModuleSyntax": true,
    "erasableSyntaxOnly": true,
    "allowImportingTsExtensions": true,
    "resolveJsonModule": true,
    "noEmit": true,
    "types": ["node"]
  },
  "include": ["tagliots.config.ts", "pipelines"]
}
`;

export const CONFIG: string = `import { defineConfig } from 'tagliots';
import example from './pipelines/example.ts';

export default defineConfig({
  // Code pipelines, or paths of *.pipeline.yaml files.
  pipelines: [example],
  runsDir: 'runs',
  // Configured models (OpenAI, Azure OpenAI, OpenAI-compatible servers): see tagliots' docs/models.md.
  // models: { 'gpt-small': { provider: 'openai', model: 'gpt-4o-mini', apiKeyEnv: 'OPENAI_API_KEY' } },
});
`;

export const PIPELINE: string = `/**
 * An example pipeline: a model answers the case's question, and the answer is checked against the
 * expected one. Run it with \`npm run eval\`; pick another model with \`npm run eval -- model=<name>\`.
 */
import { checkEquals, definePipeline, llm, prompt, type CheckResult } from 'tagliots';

export interface ExampleCase {
  readonly id: string;
  readonly keywords?: readonly string[];
  readonly question: string;
  readonly answer: string;
}

export interface ExampleStages {
  readonly answer: string;
  readonly check: CheckResult;
}

const config = {
  model: prompt('Model that answers the questions'),
  params: { temperature: 0 },
};

export default definePipeline<ExampleCase, ExampleStages, typeof config>({
  name: 'example',
  description: 'Answers a question in a word and compares it with the expected answer.',
  config,
  stages: async ({ config, models }) => ({
    answer: await llm({
      model: models.get(config.model),
      messages: [
        { role: 'system', template: 'Answer with one word only.' },
        { role: 'user', template: '{{ case.question }}' },
      ],
      // ctx carries this pipeline's case, stages and config types.
      params: (ctx) => ctx.config.params,
    }),
    check: (ctx) => checkEquals(ctx.stages.answer, ctx.case.answer, { ignoreCase: true }),
  }),
  // What the \`perfect\` mock model answers: the example runs offline.
  expected: ({ case: c }) => c.answer,
  passed: ({ stages }) => stages.check?.passed === true,
});
`;

export const SUITE: string = `${JSON.stringify(
  {
    pipeline: 'example',
    description: 'Example cases. The perfect mock model answers each correctly; set "model" to a configured model to try a real one.',
    config: { model: 'perfect' },
    cases: [
      { id: 'capital-france', keywords: ['geography'], question: 'What is the capital of France?', answer: 'Paris' },
      { id: 'largest-planet', keywords: ['astronomy'], question: 'Which planet is the largest in the solar system?', answer: 'Jupiter' },
      { id: 'water-formula', keywords: ['chemistry'], question: 'Which gas makes up most of the air we breathe?', answer: 'Nitrogen' },
    ],
  },
  null,
  2,
)}
`;

export const GITIGNORE_LINES: readonly string[] = ['node_modules/', 'runs/', '.tagliots-cache/', '*.report.html', '.credentials.json'];

export const WORKFLOW: string = `# Runs the evaluation suite on every push and pull request, and gates it: the run must be
# complete, and on pull requests not significantly worse than the latest run of the default branch.
name: eval
on:
  push:
    branches: [main]
  pull_request:

jobs:
  eval:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 22
          cache: npm
      - run: npm ci
      - run: npx tsc --noEmit
      - run: npx tagliots run suites/example.json
      # The baseline: the run log the default branch saved last (caches of the base branch are
      # readable from pull requests).
      - uses: actions/cache/restore@v4
        if: github.event_name == 'pull_request'
        with:
          path: baseline
          key: eval-baseline-\${{ github.sha }}
          restore-keys: eval-baseline-
      - name: gate
        run: |
          if [ -f baseline/example.jsonl ]; then
            npx tagliots gate latest --baseline baseline/example.jsonl --junit runs/gate.xml
          else
            npx tagliots gate latest --junit runs/gate.xml
          fi
      - name: keep this run as the baseline
        if: github.event_name == 'push'
        run: mkdir -p baseline && cp "$(ls -t runs/*.jsonl | head -n 1)" baseline/example.jsonl
      - uses: actions/cache/save@v4
        if: github.event_name == 'push'
        with:
          path: baseline
          key: eval-baseline-\${{ github.sha }}
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: eval-runs
          path: runs/
`;
