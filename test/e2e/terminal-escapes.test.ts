/**
 * Control characters in case data (ids, keywords, column values) never reach a terminal or a
 * Markdown file raw: `run` and `summarize` (also `--by keyword`) and `format` (also `--md`) show
 * them escaped, as `\u001b`, so a case cannot set the terminal title, clear the screen or change
 * colours.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RAW_CONTROL, TAKEOVER, TAKEOVER_SHOWN } from '../helpers/control-characters.ts';
import { tempDirs } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

describe('control characters in case data', () => {
  it('are escaped by run, summarize (also by keyword) and format (also as Markdown)', async () => {
    const dir = await temp.make();
    const suite = join(dir, 'nasty.json');
    await writeFile(
      suite,
      JSON.stringify({
        pipeline: 'calc',
        config: { 'prepare.template': join(REPO_ROOT, 'samples/calc/template.txt'), 'infer.model.name': 'perfect' },
        cases: [
          { uuid: `id${TAKEOVER}`, keywords: [`kw${TAKEOVER}`], user: `1+1 ${TAKEOVER}`, base: 10, answer: 2 },
          { uuid: 'plain', keywords: ['calm'], user: '2+2', base: 10, answer: 4 },
        ],
      }),
    );
    const runs = join(dir, 'runs');
    const cli = async (...args: string[]) => {
      const result = await runInProcess([...args, '--runs-dir', runs], { cwd: REPO_ROOT });
      expect(result.exitCode, result.stderr).toBe(0);
      return result;
    };
    const outputs = {
      run: await cli('run', suite),
      summarize: await cli('summarize', 'latest'),
      byKeyword: await cli('summarize', 'latest', '--by', 'keyword'),
      format: await cli('format', 'latest'),
      markdown: await cli('format', 'latest', '--md'),
    };
    await cli('format', 'latest', '--md', '--out', join(dir, 'cases.md'));
    const file = await readFile(join(dir, 'cases.md'), 'utf8');

    for (const [name, { stdout, stderr }] of Object.entries(outputs)) {
      expect(stdout + stderr, name).not.toMatch(RAW_CONTROL);
    }
    expect(file).not.toMatch(RAW_CONTROL);
    // The tables cut ids to a prefix and values to the cell width: the escapes show where they start.
    for (const start of ['id\\u001b', 'kw\\u001b', '1+1 \\u001b']) {
      expect(outputs.run.stdout).toContain(start);
      expect(outputs.summarize.stdout).toContain(start);
    }
    for (const shown of [`id${TAKEOVER_SHOWN}`, `kw${TAKEOVER_SHOWN}`, `1+1 ${TAKEOVER_SHOWN}`]) expect(outputs.format.stdout).toContain(shown);
    expect(outputs.byKeyword.stdout).toContain('kw\\u001b]0;');
    // Markdown escapes its own markup too (`\[`): the heading reads the id with its controls escaped.
    expect(outputs.markdown.stdout.replace(/\\([[\]])/g, '$1')).toContain(`## Case: id${TAKEOVER_SHOWN} - PASSED`);
    expect(file).toBe(outputs.markdown.stdout);
  });
});
