/**
 * The machine's Chromium, headless, with nothing that reaches the network on its own (updates, sync, QUIC), for the
 * tests that lay out a report. Call it inside a hook or test: a missing Chromium fails that one hook with one line.
 */
import { chromium, type Browser } from 'playwright-core';
import { requireSystem } from './require-system.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: requireSystem('chromium'), args: CHROMIUM_ARGS });
}
