import { describe, expect, it } from 'vitest';
import { internal, prompt } from '../config/markers.ts';
import { ConfigError } from '../errors.ts';
import { LEGACY_VERSION } from '../log/legacy.ts';
import type { RunStartRecord } from '../log/schema.ts';
import type { PipelineSpec } from '../pipeline/types.ts';
import { carryOverConfig } from './original-run.ts';

const spec = {
  name: 'menu',
  config: {
    prepare: { template: prompt('Template file'), sha: internal('sha256 of the template'), linked: true },
    infer: { model: { name: prompt('Model'), settings: { temperature: 0.7, stop: ['END'], extra: null, label: 'x' } } },
  },
  stages: () => ({}),
} as unknown as PipelineSpec;

function header(config: Record<string, unknown>, goTaglio = true): RunStartRecord {
  return { runId: 'f4a1c9e2-7b3d-4e58-9c06-d2b8a5e7f130', config, versions: { tagliots: goTaglio ? LEGACY_VERSION : '1.0.0', node: '' } } as unknown as RunStartRecord;
}

describe('carryOverConfig', () => {
  it('converts text to the type of the default by the command-line rules, and keeps values of the right type', () => {
    const carried = carryOverConfig(
      spec,
      header({ prepare: { template: 't.txt', linked: 'False' }, infer: { model: { name: 'perfect', settings: { temperature: '0', stop: '["X"]', extra: '7', label: 'y' } } } }),
      [],
      'logs/f4a1.json',
    );
    expect(carried.base).toEqual({ prepare: { template: 't.txt', linked: false }, infer: { model: { name: 'perfect', settings: { temperature: 0, stop: ['X'], extra: '7', label: 'y' } } } });
    expect(carried.converted).toEqual([
      { path: 'prepare.linked', from: 'False', to: false },
      { path: 'infer.model.settings.temperature', from: '0', to: 0 },
      { path: 'infer.model.settings.stop', from: '["X"]', to: ['X'] },
    ]);
    expect(carried.notCarried).toEqual([]);
  });

  it('lists what the pipeline has no place for, with the reason; internal() values are computed again, not listed', () => {
    const carried = carryOverConfig(
      spec,
      header({ prepare: { template: 't.txt', template_text: 'line 1\nline 2\n', sha: 'abc' }, infer: { model: 'gpt', top_p: 0.95 } }),
      [],
      'logs/f4a1.json',
    );
    expect(carried.base).toEqual({ prepare: { template: 't.txt' } });
    expect(carried.notCarried).toEqual([
      { path: 'prepare.template_text', value: 'line 1\nline 2\n', reason: "GoTaglio's copy of the template text; pipeline 'menu' has no such setting, so this rerun uses the prompt the pipeline builds itself" },
      { path: 'infer.model', value: 'gpt', reason: "pipeline 'menu' has a group of settings there, not one value" },
      { path: 'infer.top_p', value: 0.95, reason: "pipeline 'menu' has no such setting" },
    ]);
    // Only GoTaglio's template_text gets GoTaglio's reason.
    expect(carryOverConfig(spec, header({ prepare: { template_text: 'x' } }, false), [], 'l').notCarried[0]!.reason).toBe("pipeline 'menu' has no such setting");
  });

  it('refuses a value that does not convert or has another type, naming the path and the log, unless an override replaces it', () => {
    const bad = header({ infer: { model: { settings: { temperature: 'warm' } } } });
    expect(() => carryOverConfig(spec, bad, [], 'logs/f4a1.json')).toThrow(ConfigError);
    expect(() => carryOverConfig(spec, bad, [], 'logs/f4a1.json')).toThrow(
      "Config path 'infer.model.settings.temperature' expects a number, got 'warm' (from run f4a1c9e2-7b3d-4e58-9c06-d2b8a5e7f130 (logs/f4a1.json)). The original run's value cannot be carried over.",
    );
    expect(() => carryOverConfig(spec, header({ prepare: { linked: [1] } }), [], 'l')).toThrow(/'prepare\.linked' expects a boolean/);
    const replaced = carryOverConfig(spec, bad, [{ path: 'infer.model.settings', value: { temperature: 0.1 }, raw: false, source: 'command line' }], 'l');
    expect(replaced.base).toEqual({});
  });
});
