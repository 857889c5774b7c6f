/**
 * GoTaglio logs end to end, in process: `latest` finds them, a multi-turn menu log gets its
 * verdict, and `rerun` of one checks the logged config against the pipeline's defaults (text
 * converted, what has no place listed), with long values such as GoTaglio's template text
 * shortened in the rerun's configuration and in compare's config differences.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { readRunLog } from '../../src/log/reader.ts';
import { copyFixtureProject, runLogs, tempDirs } from '../helpers/fixtures.ts';
import { projectCli } from '../helpers/in-process.ts';
import { cli, copyLogFixture, LOG_FIXTURES } from '../helpers/log-runs.ts';
import { normalize } from '../helpers/normalize.ts';
import { startOpenAIServer } from '../helpers/openai-server.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

const GOTAGLIO = join(LOG_FIXTURES, 'gotaglio');
const MENU = 'f4a1c9e2-7b3d-4e58-9c06-d2b8a5e7f130';
const CALC = 'ecba790e-f50c-4c90-9b89-7d46fad3354e';

describe.concurrent('latest in a folder of GoTaglio logs', () => {
  it('summarize, format, timeline and compare find the GoTaglio run that started last', async ({ expect }) => {
    const summary = await cli(['summarize', 'latest', '--runs-dir', GOTAGLIO]);
    expect(summary.exitCode, summary.stderr).toBe(0);
    expect(summary.stdout).toContain(`id: ${MENU}`);
    // GoTaglio printed Passed: 2/2 (one row per turn); tagliots counts the case, which passes when every turn does.
    expect(summary.stdout).toContain('Passed: 1/1 (100.00%)');
    for (const args of [['format', 'latest'], ['timeline', 'latest'], ['compare', CALC.slice(0, 4), 'latest']]) {
      const result = await cli([...args, '--runs-dir', GOTAGLIO]);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBeLessThan(2);
      expect(result.stderr).not.toContain('E_RUN_NOT_FOUND');
    }
  });
});

interface Project {
  dir: string;
  runsDir: string;
  cli(args: readonly string[], exitCode?: number): Promise<{ stdout: string; stderr: string }>;
}

/** A copy of the gotaglio fixture project with GoTaglio's menu log (edited by `edit`) in its runs folder. */
async function project(edit?: (log: { metadata: { pipeline: { config: Record<string, any> } } }) => void): Promise<Project> {
  const parent = await temp.make();
  const dir = await copyFixtureProject('gotaglio', parent);
  const runsDir = join(parent, 'runs');
  const path = await copyLogFixture(`gotaglio/${MENU}.json`, runsDir);
  if (edit) {
    const log = JSON.parse(await readFile(path, 'utf8'));
    edit(log);
    await writeFile(path, JSON.stringify(log, null, 2));
  }
  const run = projectCli(dir, runsDir);
  return {
    dir,
    runsDir,
    async cli(args, exitCode = 0) {
      const result = await run(args, exitCode);
      return { stdout: normalize(result.stdout, { paths: { RUNS: runsDir, PROJECT: dir }, cwd: dir }), stderr: normalize(result.stderr, { paths: { RUNS: runsDir, PROJECT: dir }, cwd: dir }) };
    },
  };
}

describe.concurrent('rerun of a GoTaglio log', () => {
  it('converts the settings GoTaglio logged as text, and says which settings it could not carry over', async ({ expect }) => {
    const p = await project();
    const result = await p.cli(['rerun', 'latest']);
    const header = result.stdout.split('\n\n')[0]!;
    expect(header.replace(/^ {2}(id|log): .*$/gm, '  $1: <X>')).toMatchInlineSnapshot(`
      "Rerun configuration
        id: <X>
        rerun of: f4a1c9e2-7b3d-4e58-9c06-d2b8a5e7f130 (<RUNS>/f4a1c9e2-7b3d-4e58-9c06-d2b8a5e7f130.json)
        cases: 1 of 1
        pipeline: menu
          (same config as the original run)
        converted from text to the type of the default:
          infer.model.settings.max_tokens: "400" => 400
          infer.model.settings.temperature: "0" => 0
        not carried over from the original run (not used by this rerun):
          prepare.template_text: You are the ordering assistant of a coffee shop.… (32 lines, 1,306 characters, sha256 8abf294a5dde) (GoTaglio's copy of the template text; pipeline 'menu' has no such setting, so this rerun uses the prompt the pipeline builds itself)
          infer.model.settings.top_p: 0.95 (pipeline 'menu' has no such setting)
          infer.model.settings.frequency_penalty: 0 (pipeline 'menu' has no such setting)
          infer.model.settings.presence_penalty: 0 (pipeline 'menu' has no such setting)
        concurrency: 2
        log: <X>"
    `);
    expect(result.stderr).toContain(
      "Note: 4 settings of run f4a1c9e2-7b3d-4e58-9c06-d2b8a5e7f130 are not carried over (pipeline 'menu' has no place for them): prepare.template_text, infer.model.settings.top_p, infer.model.settings.frequency_penalty, infer.model.settings.presence_penalty.",
    );
    const logs = (await runLogs(p.runsDir)).filter((path) => path.endsWith('.jsonl'));
    const rerun = await readRunLog(logs[0]!);
    expect(rerun.header.config).toEqual({
      prepare: { template: 'samples/menu/data/template.txt' },
      infer: { model: { name: 'perfect', settings: { max_tokens: 400, temperature: 0 } } },
    });
    expect(rerun.cases[0]).toMatchObject({ status: 'complete', passed: true });
  });

  it("sends the converted settings to the model as numbers, through an AZURE_AI model of GoTaglio's models.json", async ({ expect }) => {
    const key = 'azure-ai-key-0123456789';
    const server = await startOpenAIServer({ apiKey: key, respond: () => ({ kind: 'reply', text: '{"items": []}' }) });
    try {
      const p = await project();
      await writeFile(join(p.dir, 'models.json'), JSON.stringify([{ name: 'phi3', type: 'AZURE_AI', endpoint: server.url, key: 'From .credentials.json' }]));
      await writeFile(join(p.dir, '.credentials.json'), JSON.stringify({ phi3: key }));
      await p.cli(['rerun', 'latest', 'infer.model.name=phi3', '--cache', 'off']);
      expect(server.stats.ok).toBe(2);
      const body = server.requests[0]!.body;
      expect(body).toMatchObject({ temperature: 0, max_tokens: 400 });
      expect(body).not.toHaveProperty('top_p');
    } finally {
      await server.close();
    }
  });

  it('refuses a logged value that does not convert, naming the path and the log; an override replaces it', async ({ expect }) => {
    const p = await project((log) => {
      log.metadata.pipeline.config['infer'].model.settings.temperature = 'warm';
    });
    const refused = await p.cli(['rerun', 'latest'], 2);
    expect(refused.stderr).toContain(
      `Error (E_CONFIG_TYPE): Config path 'infer.model.settings.temperature' expects a number, got 'warm' (from run ${MENU} (<RUNS>/${MENU}.json)). The original run's value cannot be carried over.`,
    );
    expect(refused.stderr).toContain('Hint: Give the setting on the command line, which replaces the logged value: tagliots rerun f4a1c9e2 infer.model.settings.temperature=0.7');
    expect((await runLogs(p.runsDir)).filter((path) => path.endsWith('.jsonl'))).toEqual([]);

    const replaced = await p.cli(['rerun', 'latest', 'infer.model.settings.temperature=0.2']);
    expect(replaced.stdout).toContain('infer.model.settings.temperature: warm => 0.2');
  });

  it('--from says that it reuses no stage of a multi-turn case, which runs from scratch', async ({ expect }) => {
    const p = await project();
    const result = await p.cli(['rerun', 'latest', '--from', 'infer']);
    expect(result.stderr).toContain(
      'Note: --from reuses no stage of a multi-turn case (each turn builds on the outputs of the turns before it), so this case runs from scratch, every turn: 5d0c3e8a-91b2-4c47-a6f0-2e7b9d14c8f3',
    );
    expect(result.stderr).not.toContain('did not complete in the original run');
    const rerun = await readRunLog((await runLogs(p.runsDir)).find((path) => path.endsWith('.jsonl'))!);
    expect(rerun.cases[0]!.turns?.map((t) => Object.keys(t.stages))).toEqual([
      ['prepare', 'infer', 'extract', 'assess'],
      ['prepare', 'infer', 'extract', 'assess'],
    ]);
  });
});

describe.concurrent('long config values', () => {
  it("compare shortens GoTaglio's template text in its config differences, as the rerun's configuration does", async ({ expect }) => {
    const p = await project();
    const changed = join(p.runsDir, '0b0b0b0b-7b3d-4e58-9c06-d2b8a5e7f130.json');
    const log = JSON.parse(await readFile(join(p.runsDir, `${MENU}.json`), 'utf8'));
    log.uuid = '0b0b0b0b-7b3d-4e58-9c06-d2b8a5e7f130';
    log.metadata.pipeline.config.prepare.template_text += 'Answer in English.\n';
    await writeFile(changed, JSON.stringify(log));
    const result = await p.cli(['compare', MENU.slice(0, 4), '0b0b'], 0);
    const diff = result.stdout.split('Config differences (A => B)\n')[1]!.split('\n\n')[0];
    expect(diff).toMatchInlineSnapshot(`"  prepare.template_text: You are the ordering assistant of a coffee shop.… (32 lines, 1,306 characters, sha256 8abf294a5dde) => You are the ordering assistant of a coffee shop.… (33 lines, 1,325 characters, sha256 d18145008b07)"`);
    const markdown = await p.cli(['compare', MENU.slice(0, 4), '0b0b', '--md'], 0);
    expect(markdown.stdout).toContain('| `prepare.template_text` | `You are the ordering assistant of a coffee shop.… (32 lines, 1,306 characters, sha256 8abf294a5dde)` |');
  });
});
