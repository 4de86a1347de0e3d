import type { ProgressEvent } from '../types.js';
import type { Renderer, Sink } from './plain.js';

/**
 * `--progress=tty`: a BuildKit-like live view. A header with the elapsed time and
 * finished/total steps, one line per step with its timer (or CACHED / DONE / ERROR),
 * the running steps' last output lines, and layer sizes. Redrawn in place with ANSI
 * cursor movement at most every `intervalMs`; the final frame is left on screen.
 */

interface StepView {
  id: number;
  name: string;
  start: number;
  end?: number;
  cached: boolean;
  error?: string;
  size?: number;
  tail: string[];
  partial: string;
}

const TAIL_LINES = 6;

export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes}B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)}${units[u]}`;
}

function clip(s: string, width: number): string {
  return s.length > width ? `${s.slice(0, Math.max(0, width - 1))}…` : s;
}

export function ttyRenderer(out: Sink, options: { width?: number; intervalMs?: number; now?: () => number } = {}): Renderer {
  const width = options.width ?? 100;
  const now = options.now ?? Date.now;
  const steps = new Map<number, StepView>();
  const warnings: string[] = [];
  const begin = now();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  let dirty = false;

  const frame = (final: boolean): string[] => {
    const t = now();
    const all = [...steps.values()];
    const done = all.filter((s) => s.end !== undefined).length;
    const lines = [`[+] Building ${((t - begin) / 1000).toFixed(1)}s (${done}/${all.length})${final ? ' FINISHED' : ''}`];
    for (const s of all) {
      const status = s.error !== undefined ? 'ERROR' : s.cached ? 'CACHED' : `${(((s.end ?? t) - s.start) / 1000).toFixed(1)}s`;
      const size = s.size !== undefined && !s.cached ? ` ${formatSize(s.size)}` : '';
      const label = ` => ${s.name}`;
      const right = `${size} ${status}`;
      lines.push(`${clip(label, width - right.length - 1).padEnd(width - right.length - 1)} ${right.trimStart()}`);
      if ((s.end === undefined || s.error !== undefined) && (s.tail.length > 0 || s.partial !== '')) {
        const tail = [...s.tail, ...(s.partial ? [s.partial] : [])].slice(-TAIL_LINES);
        for (const l of tail) lines.push(clip(` => => # ${l}`, width));
      }
      if (s.error !== undefined) lines.push(clip(` => => ERROR: ${s.error}`, width));
    }
    for (const w of warnings) lines.push(clip(`WARNING: ${w}`, width));
    return lines;
  };

  const draw = (final = false) => {
    dirty = false;
    const lines = frame(final);
    // Move up over the previous frame and clear each line we rewrite.
    let text = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const l of lines) text += `\x1b[2K${l}\n`;
    out.write(text);
    drawn = lines.length;
  };

  const schedule = () => {
    dirty = true;
    if (timer === undefined) {
      timer = setInterval(() => { if (dirty || [...steps.values()].some((s) => s.end === undefined)) draw(); }, options.intervalMs ?? 100);
      timer.unref?.();
    }
  };

  return {
    event(e: ProgressEvent) {
      switch (e.type) {
        case 'step-start':
          steps.set(e.id, { id: e.id, name: e.name, start: e.time, cached: false, tail: [], partial: '' });
          break;
        case 'step-log': {
          const s = steps.get(e.id);
          if (!s) break;
          const lines = (s.partial + e.data).split('\n');
          s.partial = lines.pop()!;
          s.tail.push(...lines);
          if (s.tail.length > TAIL_LINES) s.tail.splice(0, s.tail.length - TAIL_LINES);
          break;
        }
        case 'step-status':
          break;
        case 'step-done': {
          const s = steps.get(e.id);
          if (s) { s.end = e.time; s.cached = e.cached; if (e.size !== undefined) s.size = e.size; }
          break;
        }
        case 'step-error': {
          const s = steps.get(e.id);
          if (s) { s.end = e.time; s.error = e.message; }
          break;
        }
        case 'warning':
          warnings.push(e.message);
          break;
        case 'build-done':
          break;
        default: {
          const never: never = e;
          throw new Error(`unhandled progress event ${JSON.stringify(never)}`);
        }
      }
      schedule();
    },
    close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      draw(true);
    },
  };
}
