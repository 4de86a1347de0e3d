import type { ProgressMode } from '../types.js';
import { plainRenderer, quietRenderer, type Renderer, type Sink } from './plain.js';
import { ttyRenderer } from './tty.js';

export { plainRenderer, quietRenderer, ttyRenderer };
export type { Renderer, Sink };
export { formatSize } from './tty.js';

/**
 * Picks the renderer for a `--progress` mode. `auto` is the live tty view when the
 * stream is a terminal (and not CI), else plain, as docker does.
 */
/** Terminal width; a pty that reports none (0) gets 100 columns, never fewer than 40. */
function widthOf(out: { columns?: number }): number {
  return Math.max(40, out.columns || 100);
}

export function createRenderer(mode: ProgressMode, out: Sink & { isTTY?: boolean; columns?: number }, env: Readonly<Record<string, string | undefined>> = {}): Renderer {
  switch (mode) {
    case 'quiet':
      return quietRenderer();
    case 'plain':
      return plainRenderer(out);
    case 'tty':
      return ttyRenderer(out, { width: widthOf(out) });
    case 'auto':
      return out.isTTY === true && env.CI === undefined ? ttyRenderer(out, { width: widthOf(out) }) : plainRenderer(out);
    default: {
      const never: never = mode;
      throw new Error(`unhandled progress mode ${String(never)}`);
    }
  }
}
