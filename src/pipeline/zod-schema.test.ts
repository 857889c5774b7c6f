/** zod 3 schemas (as `import { z } from 'zod'` makes them in a project with zod 3) get an error naming the fix. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkJsonSchema } from './checks.ts';
import { llm } from './llm.ts';
import { stage } from './stage.ts';
import { tool } from './tool.ts';

/** What a zod 3 schema looks like to zod 4: `_def` and `safeParse`, no `_zod`. */
const zod3Schema = { _def: { typeName: 'ZodObject', shape: () => ({}) }, safeParse: () => ({ success: true }), parse: (value: unknown) => value } as unknown as z.ZodType<{ n: number }>;

describe('zod 3 schemas', () => {
  it('llm({ output }) names the fix', async () => {
    const error = await llm({ model: 'perfect', messages: [{ role: 'user', template: 'hi' }], output: zod3Schema }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_ZOD_VERSION', message: 'llm(): output: the schema was made with zod 3, which tagliots cannot read.' });
    expect((error as { hint: string }).hint).toContain("import { z } from 'zod/v4'");
    expect((error as { hint: string }).hint).toContain('npm install zod@^4');
  });

  it('.validate(), tool() and checkJsonSchema() too', () => {
    expect(() => stage(() => 1, { name: 'parse' }).validate(zod3Schema)).toThrow("stage 'parse': .validate(): the schema was made with zod 3");
    expect(() => tool({ name: 'find', description: 'finds', parameters: zod3Schema as never, run: () => null })).toThrow(/zod 3/);
    expect(() => checkJsonSchema({}, zod3Schema)).toThrow('checkJsonSchema(): the schema was made with zod 3');
  });

  it('zod 4 schemas pass', async () => {
    await expect(llm({ model: 'perfect', messages: [{ role: 'user', template: 'hi' }], output: z.object({ n: z.number() }) })).resolves.toBeTypeOf('function');
    expect(checkJsonSchema({ n: 1 }, z.object({ n: z.number() })).passed).toBe(true);
  });
});
