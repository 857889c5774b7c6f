/**
 * A project whose node_modules is a link to another project's (a monorepo, a shared install): the
 * stack locations in a setup error name this project's pipeline file. The test runner replaces
 * Node's source-mapped stacks in its own process, so this spawns the built CLI.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../helpers/fixtures.ts';
import { REPO_ROOT, runCli } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

describe('a project with a linked node_modules', () => {
  it("names the project's own pipeline file where setup threw", async () => {
    const project = join(await temp.make(), 'project');
    await mkdir(project);
    await symlink(join(REPO_ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
    await writeFile(join(project, 'tagliots.config.ts'), "import { defineConfig } from 'tagliots';\nimport broken from './pipeline.ts';\nexport default defineConfig({ pipelines: [broken] });\n");
    await writeFile(
      join(project, 'pipeline.ts'),
      ["import { definePipeline } from 'tagliots';", 'export default definePipeline({', "  name: 'broken',", "  description: 'throws in setup',", '  stages: () => {', "    throw new Error('no stages today');", '  },', '});', ''].join('\n'),
    );
    await writeFile(join(project, 'suite.json'), JSON.stringify([{ id: 'a' }]));
    const result = await runCli(['run', 'suite.json', '--runs-dir', join(project, 'runs')], { cwd: project });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("Error (E_PIPELINE_SETUP): Pipeline 'broken' setup failed: no stages today");
    expect(result.stderr).toContain(`(${join(project, 'pipeline.ts')}:6:11)`);
  });
});
