/** How the browser tests run Chromium: Debian's (no browser download), headless, quiet. */
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env['TAGLIOTS_CHROMIUM'] ?? '/usr/bin/chromium';

/** Skip the browser tests only on a machine without Chromium, and never in CI (which installs it). */
export const SKIP_BROWSER = !existsSync(CHROMIUM) && !process.env['CI'];

/** Generous: the machine may be a shared 2-core one. */
export const TIMEOUT = 45_000;

export const CHROMIUM_ARGS: readonly string[] = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
