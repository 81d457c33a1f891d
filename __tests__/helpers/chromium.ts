/**
 * The machine's Chromium, headless, with nothing that reaches the network on its own (updates, sync, QUIC), for the
 * tests that lay out a report. Call it inside a hook or test: a missing Chromium fails that one hook with one line.
 */
import { after, before } from 'node:test';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { requireSystem } from './require-system.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Where the layout tests leave their pages and screenshots for a person to look at. */
export const TEST_OUTPUT = new URL('../../test-output/', import.meta.url).pathname;

function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: requireSystem('chromium'), args: CHROMIUM_ARGS });
}

/**
 * One Chromium for the enclosing describe: launched (and TEST_OUTPUT made) in its before hook, closed in its after
 * hook. Call it in the describe body; the pages it opens are only usable inside that describe's tests.
 */
export function suiteBrowser(): Pick<Browser, 'newPage'> {
  let browser: Browser | undefined;
  before(async () => {
    mkdirSync(TEST_OUTPUT, { recursive: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  return { newPage: (options) => browser!.newPage(options) };
}
