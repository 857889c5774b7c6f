/**
 * The menu sample end to end: multi-turn cases through the CLI in process, offline, with the
 * perfect and flakey mocks; then `format` and `timeline` read the log back.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunLog } from '../../src/log/reader.ts';
import { onlyRunLog, tempDirs } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

async function run(args: readonly string[]) {
  const runsDir = join(await temp.make(), 'runs');
  const result = await runInProcess(['run', 'suites/menu.json', ...args, '--runs-dir', runsDir], { cwd: REPO_ROOT });
  const log = await readRunLog(await onlyRunLog(runsDir));
  return { result, runsDir, log };
}

describe.concurrent('run suites/menu.json', () => {
  it('perfect: every turn of every case passes at repair cost 0, with turn rows and per-turn pass rates', async () => {
    const { result, log } = await run([]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(log.cases).toHaveLength(12);
    for (const record of log.cases) {
      expect(record.status).toBe('complete');
      expect(record.passed).toBe(true);
      expect(record.turns!.length).toBeGreaterThanOrEqual(2);
      for (const turn of record.turns!) expect(turn.stages['assess']).toEqual({ cost: 0, steps: [] });
    }
    expect(result.stdout).toMatch(/│ \w+\.01 +│ COMPLETE │ yes/);
    expect(result.stdout).toContain('Turns: 28 in 12 multi-turn cases (28 complete, 0 error, 0 skipped)');
    expect(result.stdout).toContain('Pass rate per turn: #1 12/12 (100.00%), #2 12/12 (100.00%), #3 4/4 (100.00%)');
  });

  it('flakey: a failing turn fails its case, later turns are skipped and still shown', async () => {
    const { result, log, runsDir } = await run(['infer.model.name=flakey']);
    expect(result.exitCode).not.toBe(2);
    const errored = log.cases.filter((c) => c.status === 'error');
    expect(errored.length).toBeGreaterThan(0);
    for (const record of errored) {
      const failed = record.turns!.findIndex((t) => t.status === 'error');
      expect(failed).toBeGreaterThanOrEqual(0);
      expect(record.error!.context[0]).toBe(`turn ${failed + 1}`);
      expect(record.passed).toBeNull();
      for (const later of record.turns!.slice(failed + 1)) expect(later).toMatchObject({ status: 'skipped', reason: `turn ${failed + 1} failed` });
    }
    expect(result.stdout).toContain('SKIPPED');
    expect(result.stdout).toMatch(/skipped: turn \d failed/);

    const id = errored[0]!.caseId;
    const format = await runInProcess(['format', 'latest', id.slice(0, 8), '--runs-dir', runsDir], { cwd: REPO_ROOT });
    expect(format.exitCode, format.stderr).toBe(0);
    expect(format.stdout).toMatch(/turn 1: /);
    expect(format.stdout).not.toMatch(/turn 0/);
    expect(format.stdout).toMatch(/skipped \(turn \d failed\)|turn \d: error/);
    const timeline = await runInProcess(['timeline', 'latest', id.slice(0, 8), '--runs-dir', runsDir], { cwd: REPO_ROOT });
    expect(timeline.exitCode, timeline.stderr).toBe(0);
    expect(timeline.stdout).toContain('Turn 1:');
    expect(timeline.stdout).not.toMatch(/turn 0/i);
  });
});

/** GoTaglio's menu command line, as its repository documents it (the script path aside). */
const GOTAGLIO_COMMAND = ['run', 'menu', 'samples/menu/data/cases.yaml', 'prepare.template=samples/menu/data/template.txt', 'infer.model.name=perfect'];

describe.concurrent("GoTaglio's menu sample", () => {
  async function gotaglioRun(args: readonly string[]) {
    const runsDir = join(await temp.make(), 'runs');
    const result = await runInProcess([...args, '--runs-dir', runsDir], { cwd: REPO_ROOT });
    expect(result.exitCode, result.stderr).toBe(0);
    return readRunLog(await onlyRunLog(runsDir));
  }
  /** The roles and contents of the messages the first case's third turn sent. */
  const thirdTurn = (log: Awaited<ReturnType<typeof gotaglioRun>>) =>
    log.cases.find((c) => c.caseId === 'c3da6c8d-79e4-5ea3-aceb-ecb7fe4d92af')!.turns![2]!.stages['prepare'] as { role: string; content: string }[];
  const cart = (items: object[]) => JSON.stringify({ items }, null, 2);
  const carts = {
    empty: cart([]),
    tall: cart([{ name: 'latte', quantity: 1, size: 'tall' }]),
    iced: cart([{ name: 'latte', quantity: 1, size: 'tall', temperature: 'iced' }]),
  };

  it('runs its command line as written, and with -p', async () => {
    for (const args of [GOTAGLIO_COMMAND, ['run', '-p', ...GOTAGLIO_COMMAND.slice(1)]]) {
      const log = await gotaglioRun(args);
      expect(log.header.pipeline.name).toBe('menu');
      expect(log.cases.map((c) => [c.status, c.passed])).toEqual([
        ['complete', true],
        ['complete', true],
        ['complete', true],
      ]);
    }
  });

  it("sends GoTaglio's messages: the template without its final newline, then per turn the cart at entry (indented JSON) and the user's words", async () => {
    const { readFile } = await import('node:fs/promises');
    const template = await readFile(join(REPO_ROOT, 'samples/menu/data/template.txt'), 'utf8');
    const log = await gotaglioRun(GOTAGLIO_COMMAND);
    expect(thirdTurn(log)).toEqual([
      { role: 'system', content: template.replace(/\n$/, '') },
      { role: 'assistant', content: carts.empty },
      { role: 'user', content: 'a tall latte please' },
      { role: 'assistant', content: carts.tall },
      { role: 'user', content: 'make it iced' },
      { role: 'assistant', content: carts.iced },
      { role: 'user', content: 'and a blueberry muffin' },
    ]);
    expect(log.header.config).toMatchObject({
      prepare: { assistant_history: true, user_history: true, linked_turns: true, template: 'samples/menu/data/template.txt' },
      infer: { model: { name: 'perfect', settings: { max_tokens: 800, temperature: 0.7, top_p: 0.95, frequency_penalty: 0, presence_penalty: 0 } } },
    });
  });

  it('keeps the history the settings ask for', async () => {
    const roles = async (settings: string[]) => {
      const messages = thirdTurn(await gotaglioRun([...GOTAGLIO_COMMAND, ...settings]));
      return messages.map((m) => (m.role === 'assistant' ? `assistant ${Object.entries(carts).find(([, text]) => text === m.content)?.[0]}` : m.role));
    };
    // GoTaglio's menu notebook runs with these: the initial cart stays, the later carts go.
    expect(await roles(['prepare.assistant_history=False', 'prepare.user_history=True'])).toEqual(['system', 'assistant empty', 'user', 'user', 'assistant iced', 'user']);
    expect(await roles(['prepare.user_history=false'])).toEqual(['system', 'assistant empty', 'assistant tall', 'assistant iced', 'user']);
    expect(await roles(['prepare.assistant_history=false', 'prepare.user_history=false'])).toEqual(['system', 'assistant iced', 'user']);
  });

  it('starts a turn from the cart the model produced, or with prepare.linked_turns=false from the expected one', async () => {
    const entryCart = async (settings: string[]) => {
      const args = ['run', '-p', 'menu', 'test/fixtures/suites/menu-misheard.yaml', 'prepare.template=samples/menu/data/template.txt', 'infer.model.name=scripted'];
      const messages = (await gotaglioRun([...args, ...settings])).cases[0]!.turns![1]!.stages['prepare'] as { content: string }[];
      return JSON.parse(messages.at(-2)!.content) as unknown;
    };
    expect(await entryCart([])).toEqual({ items: [{ name: 'mocha', quantity: 1 }] });
    expect(await entryCart(['prepare.linked_turns=false'])).toEqual({ items: [{ name: 'latte', quantity: 1 }] });
  });
});
