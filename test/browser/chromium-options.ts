/** How the browser tests run Chromium: Debian's (no browser download), headless, quiet. */
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env['TAGLIOTS_CHROMIUM'] ?? '/usr/bin/chromium';

/** Skip the browser tests only on a machine without Chromium, and never in CI (which installs it). */
export const SKIP_BROWSER = !existsSync(CHROMIUM) && !process.env['CI'];

/** Generous: the machine may be a shared 2-core one. */
export const TIMEOUT = 45_000;

/**
 * Features Playwright (1.65) turns off itself. Chromium keeps only the last `--disable-features`
 * it is given, so the list below must repeat Playwright's to add to it.
 */
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades', 'HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter',
  'PaintHolding', 'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect', 'TcpPortRandomizationWin', 'OptimizationHints',
  'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch',
];

/**
 * Every browser context is a window of its own, and Chromium 156 gives each window an address-bar
 * popup rendered as a web page in a renderer of its own: 1.4 s of CPU per context on a 2-core
 * machine, two thirds of what a test file's context costs, for a popup no test opens.
 */
const OMNIBOX_POPUP_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'];

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...OMNIBOX_POPUP_FEATURES].join(',')}`,
];
