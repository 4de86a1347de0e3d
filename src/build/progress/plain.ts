import type { ProgressEvent } from '../types.js';

/**
 * `--progress=plain`: one line per event, in BuildKit's plain format, so logs read the
 * same as `docker build --progress=plain`: `#3 [base 1/2] COPY rootfs/ /`, `#3 0.512 hi`
 * for output (seconds since the step started), `#3 CACHED`, `#3 DONE 0.3s`.
 */
export interface Renderer {
  readonly event: (e: ProgressEvent) => void;
  /** Flushes anything buffered (the tty view's last frame). */
  readonly close: () => void;
}

export interface Sink { write(chunk: string): unknown }

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

export function plainRenderer(out: Sink): Renderer {
  const started = new Map<number, number>();
  const partial = new Map<number, string>();
  const flushLine = (id: number, line: string, time: number) => {
    const t = ((time - (started.get(id) ?? time)) / 1000).toFixed(3);
    out.write(`#${id} ${t} ${line}\n`);
  };
  return {
    event(e) {
      switch (e.type) {
        case 'step-start':
          started.set(e.id, e.time);
          out.write(`#${e.id} ${e.name}\n`);
          break;
        case 'step-log': {
          const text = (partial.get(e.id) ?? '') + e.data;
          const lines = text.split('\n');
          partial.set(e.id, lines.pop()!);
          for (const line of lines) flushLine(e.id, line, e.time);
          break;
        }
        case 'step-status':
          out.write(`#${e.id} ${e.message}\n`);
          break;
        case 'step-done': {
          const rest = partial.get(e.id);
          if (rest) flushLine(e.id, rest, e.time);
          partial.delete(e.id);
          out.write(e.cached ? `#${e.id} CACHED\n` : `#${e.id} DONE ${seconds(e.time - (started.get(e.id) ?? e.time))}s\n`);
          break;
        }
        case 'step-error': {
          const rest = partial.get(e.id);
          if (rest) flushLine(e.id, rest, e.time);
          partial.delete(e.id);
          out.write(`#${e.id} ERROR: ${e.message}\n`);
          break;
        }
        case 'warning':
          out.write(`WARNING: ${e.message}\n`);
          break;
        case 'build-done':
          break;
        default: {
          const never: never = e;
          throw new Error(`unhandled progress event ${JSON.stringify(never)}`);
        }
      }
    },
    close() {},
  };
}

/** `--progress=quiet`: nothing while building; the caller prints the image id. */
export function quietRenderer(): Renderer {
  return { event() {}, close() {} };
}
