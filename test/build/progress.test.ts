import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRenderer, formatSize, plainRenderer, ttyRenderer } from '../../src/build/progress/index.js';
import type { ProgressEvent } from '../../src/build/types.js';

const events: ProgressEvent[] = [
  { type: 'step-start', id: 1, name: '[1/2] COPY a /', time: 1000 },
  { type: 'step-done', id: 1, cached: true, time: 1000 },
  { type: 'step-start', id: 2, name: '[2/2] RUN echo hi', time: 2000 },
  { type: 'step-log', id: 2, stream: 'stdout', data: 'hi\npart', time: 2250 },
  { type: 'step-log', id: 2, stream: 'stdout', data: 'ial\n', time: 2500 },
  { type: 'step-done', id: 2, cached: false, size: 1234, time: 3300 },
];

test('plain prints one line per event in BuildKit form', () => {
  let out = '';
  const r = plainRenderer({ write: (s: string) => { out += s; } });
  for (const e of events) r.event(e);
  r.close();
  assert.equal(out, '#1 [1/2] COPY a /\n#1 CACHED\n#2 [2/2] RUN echo hi\n#2 0.250 hi\n#2 0.500 partial\n#2 DONE 1.3s\n');
});

test('tty draws a final frame with steps, CACHED, timers and sizes', () => {
  let out = '';
  let now = 1000;
  const r = ttyRenderer({ write: (s: string) => { out += s; } }, { width: 60, now: () => now });
  for (const e of events) { now = e.time; r.event(e); }
  r.close();
  const frame = out.replace(/\x1b\[\d*[AK]/g, '').trimEnd().split('\n');
  assert.equal(frame[0], '[+] Building 2.3s (2/2) FINISHED');
  assert.match(frame[1]!, /^ => \[1\/2\] COPY a \/ +CACHED$/);
  assert.match(frame[2]!, /^ => \[2\/2\] RUN echo hi +1\.23kB 1\.3s$/);
  assert.equal(frame.length, 3);
});

test('auto picks tty only on a terminal outside CI; sizes are docker-style', () => {
  const sink = { write: () => true };
  let out = '';
  const plain = createRenderer('auto', { write: (s: string) => { out += s; }, isTTY: false });
  plain.event(events[0]!);
  assert.equal(out, '#1 [1/2] COPY a /\n');
  out = '';
  const tty = createRenderer('auto', { write: (s: string) => { out += s; }, isTTY: true }, {});
  tty.event(events[0]!);
  tty.close();
  assert.match(out, /\[\+\] Building/);
  createRenderer('quiet', sink).event(events[0]!);
  assert.deepEqual([formatSize(999), formatSize(1234), formatSize(45_600_000)], ['999B', '1.23kB', '45.6MB']);
});
