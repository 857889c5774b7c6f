/**
 * One Chromium for every browser test file: launched once before the files run, each file connects
 * to it and opens a context of its own (as isolated as a fresh profile). Starting Chromium once
 * instead of once per file saves a launch per file on a machine that may be busy.
 */
import { chromium } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { CHROMIUM_ARGS, CHROMIUM, SKIP_BROWSER, TIMEOUT } from './chromium-options.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The websocket endpoint of the shared Chromium ('' when the browser tests are skipped). */
    chromiumEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (SKIP_BROWSER) {
    project.provide('chromiumEndpoint', '');
    return async () => {};
  }
  const server = await chromium.launchServer({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS], timeout: TIMEOUT });
  project.provide('chromiumEndpoint', server.wsEndpoint());
  return async () => {
    await server.close();
  };
}
