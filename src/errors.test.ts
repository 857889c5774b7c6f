import { describe, expect, it } from 'vitest';
import { LogError, TagliotsError, TemplateError, isTagliotsError } from './errors.ts';

describe('TagliotsError across two copies of tagliots', () => {
  it("recognises the errors of another copy (a pipeline's built library) by class, not only its own", async () => {
    // A second instance of this module, as a project's pipeline importing the built package has.
    const secondCopy = './errors.ts?second-copy';
    const other = (await import(/* @vite-ignore */ secondCopy)) as typeof import('./errors.ts');
    expect(other.TemplateError).not.toBe(TemplateError);
    const foreign = new other.TemplateError('E_TEMPLATE_NOT_FOUND', 'Cannot find template x.txt');
    expect(foreign instanceof TemplateError).toBe(true);
    expect(foreign instanceof TagliotsError).toBe(true);
    expect(isTagliotsError(foreign)).toBe(true);
    expect(foreign instanceof LogError).toBe(false);
    expect(new Error('plain') instanceof TagliotsError).toBe(false);
    expect(new TemplateError('E_X', 'own copy') instanceof other.TemplateError).toBe(true);
  });
});
