#!/usr/bin/env node
// Generates schema/run-log.schema.json from the zod schemas in src/log/schema.ts.
//   node scripts/gen-schema.mjs           writes the file
//   node scripts/gen-schema.mjs --check   exits 1 when the committed file is out of date
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const output = fileURLToPath(new URL('../schema/run-log.schema.json', import.meta.url));

const SCHEMA_ID = 'https://unpkg.com/tagliots/schema/run-log.schema.json';
const SCHEMA_TITLE = 'tagliots run-log record';

// src/log/schema.test.ts checks the file minus these additions; keep it in step.
function toFileText(jsonSchema) {
  const { $schema, ...rest } = jsonSchema;
  return JSON.stringify({ $schema, $id: SCHEMA_ID, title: SCHEMA_TITLE, ...rest }, null, 2) + '\n';
}

async function generate() {
  // One bundle holds both the schemas and zod, so toJSONSchema sees the same zod instance.
  const result = await build({
    stdin: {
      contents: "export { RunLogRecordSchema } from './src/log/schema.ts';\nexport { z } from 'zod';\n",
      resolveDir: root,
      sourcefile: 'gen-schema-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  const { z, RunLogRecordSchema } = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  return toFileText(z.toJSONSchema(RunLogRecordSchema));
}

async function main() {
  const text = await generate();
  const shown = relative(process.cwd(), output);
  if (process.argv.includes('--check')) {
    const committed = await readFile(output, 'utf8').catch(() => null);
    if (committed !== text) {
      console.error(`${shown} is ${committed === null ? 'missing' : 'out of date'}; run \`node scripts/gen-schema.mjs\` and commit the result.`);
      process.exit(1);
    }
    console.log(`${shown} is up to date.`);
    return;
  }
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, text);
  console.log(`Wrote ${shown}.`);
}

await main();
