/**
 * Runs the flakefighters in the plugin's order: the live ones first (the plugin calls them as each
 * execution finishes, judging it against history), then the post-run ones in configuration order,
 * so that each post-run flakefighter reads the Test.flaky that the earlier ones left.
 */
import type { ClassifyContext, Flakefighter } from './flakefighters/flakefighter.ts';

export async function classifyRun(flakefighters: Flakefighter[], ctx: ClassifyContext): Promise<void> {
  for (const f of flakefighters) if (f.runLive) await f.classify(ctx);
  for (const f of flakefighters) if (!f.runLive) await f.classify(ctx);
  ctx.run.activeFlakefighters = flakefighters.map((f) => ({ name: f.name, params: f.params() }));
}
