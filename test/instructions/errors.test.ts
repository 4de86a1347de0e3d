// Every typed-instruction error, located: codes and ranges only, never message text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typed, where } from './helpers.js';
import { parseMount } from '../../src/instructions/index.js';
import { InstructionError } from '../../src/instructions/index.js';

// [Dockerfile lines, error code, range, suggestion?]
const cases: [string[], string, string, string?][] = [
  [['FORM alpine'], 'INSTR_UNKNOWN', '1:1-1:5', 'FROM'],
  [['FROM alpine', 'runn ls'], 'INSTR_UNKNOWN', '2:1-2:5', 'run'],
  [['FROM alpine', 'FROB x'], 'INSTR_UNKNOWN', '2:1-2:5', 'FROM'],
  [['FROM alpine', 'XYZZY x'], 'INSTR_UNKNOWN', '2:1-2:6'],
  [['FROM alpine', 'COPY --form=x a b'], 'INSTR_UNKNOWN_FLAG', '2:6-2:12', '--from'],
  [['FROM alpine', 'ENV --foo=1 a=b'], 'INSTR_UNKNOWN_FLAG', '2:5-2:10'],
  [['FROM alpine', 'COPY --from a b'], 'INSTR_FLAG_MISSING_VALUE', '2:6-2:12'],
  [['FROM alpine', 'COPY --link= a b'], 'INSTR_FLAG_MISSING_VALUE', '2:6-2:13'],
  [['FROM alpine', 'COPY --from=a --from=b a b'], 'INSTR_DUPLICATE_FLAG', '2:15-2:23'],
  [['FROM alpine', 'COPY --link=maybe a b'], 'INSTR_INVALID_FLAG_VALUE', '2:13-2:18'],
  [['FROM alpine', 'RUN --network=hots ls'], 'INSTR_INVALID_FLAG_VALUE', '2:15-2:19', 'host'],
  [['FROM alpine', 'RUN --security=unsafe ls'], 'INSTR_INVALID_FLAG_VALUE', '2:16-2:22'],
  [['FROM alpine', 'WORKDIR'], 'INSTR_ARGUMENT_COUNT', '2:1-2:8'],
  [['FROM a b'], 'INSTR_ARGUMENT_COUNT', '1:8-1:9'],
  [['FROM a as b c'], 'INSTR_ARGUMENT_COUNT', '1:8-1:14'],
  [['FROM alpine', 'RUN'], 'INSTR_ARGUMENT_COUNT', '2:1-2:4'],
  [['FROM alpine', 'COPY a'], 'INSTR_MISSING_DESTINATION', '2:1-2:7'],
  [['FROM alpine', 'ADD ["a"]'], 'INSTR_MISSING_DESTINATION', '2:1-2:10'],
  [['FROM alpine', 'COPY <<EOF <<EOF2', 'x', 'EOF', 'y', 'EOF2'], 'INSTR_HEREDOC_DESTINATION', '2:12-2:18'],
  [['FROM alpine AS 1bad'], 'INSTR_INVALID_STAGE_NAME', '1:16-1:20'],
  [['FROM alpine AS a/b'], 'INSTR_INVALID_STAGE_NAME', '1:16-1:19'],
  [['FROM alpine', 'COPY --from=$X a b'], 'INSTR_FROM_VARIABLE', '2:13-2:15'],
  [['FROM alpine', 'COPY --from=${X:-a} a b'], 'INSTR_FROM_VARIABLE', '2:13-2:20'],
  [['FROM alpine', 'RUN --mount=type=bind,target=/x,from=$S ls'], 'INSTR_FROM_VARIABLE', '2:33-2:40'],
  [['FROM alpine', 'ARG =x'], 'INSTR_BLANK_NAME', '2:5-2:6'],
  [['FROM alpine', 'SHELL sh -c'], 'INSTR_SHELL_NOT_JSON', '2:7-2:12'],
  [['FROM alpine', 'SHELL []'], 'INSTR_SHELL_NOT_JSON', '2:1-2:9'],
  [['FROM alpine', 'VOLUME [""]'], 'INSTR_EMPTY_VOLUME', '2:9-2:11'],
  [['FROM alpine', 'EXPOSE 80/tcpx'], 'INSTR_INVALID_PORT', '2:8-2:15'],
  [['FROM alpine', 'EXPOSE 8080 70000'], 'INSTR_INVALID_PORT', '2:13-2:18'],
  [['FROM alpine', 'EXPOSE 90-80'], 'INSTR_INVALID_PORT', '2:8-2:13'],
  [['FROM alpine', 'EXPOSE 127.0.0.1:80:80'], 'INSTR_INVALID_PORT', '2:8-2:23'],
  [['FROM alpine', 'HEALTHCHECK FOO ls'], 'INSTR_HEALTHCHECK_TYPE', '2:13-2:16'],
  [['FROM alpine', 'HEALTHCHECK NONE x'], 'INSTR_HEALTHCHECK_NONE_ARGS', '2:18-2:19'],
  [['FROM alpine', 'HEALTHCHECK CMD'], 'INSTR_HEALTHCHECK_NO_COMMAND', '2:1-2:16'],
  [['FROM alpine', 'HEALTHCHECK --interval=5x CMD ls'], 'INSTR_INVALID_DURATION', '2:24-2:26'],
  [['FROM alpine', 'HEALTHCHECK --timeout=1h5 CMD ls'], 'INSTR_INVALID_DURATION', '2:23-2:26'],
  [['FROM alpine', 'HEALTHCHECK --interval=1us CMD ls'], 'INSTR_DURATION_TOO_SHORT', '2:24-2:27'],
  [['FROM alpine', 'HEALTHCHECK --start-period=-1s CMD ls'], 'INSTR_DURATION_TOO_SHORT', '2:28-2:31'],
  [['FROM alpine', 'HEALTHCHECK --retries=-1 CMD ls'], 'INSTR_INVALID_RETRIES', '2:23-2:25'],
  [['FROM alpine', 'HEALTHCHECK --retries=three CMD ls'], 'INSTR_INVALID_RETRIES', '2:23-2:28'],
  [['FROM alpine', 'ONBUILD ONBUILD RUN x'], 'INSTR_ONBUILD_CHAIN', '2:9-2:16'],
  [['FROM alpine', 'ONBUILD FROM x'], 'INSTR_ONBUILD_TRIGGER', '2:9-2:13'],
  [['FROM alpine', 'ONBUILD maintainer me'], 'INSTR_ONBUILD_TRIGGER', '2:9-2:19'],
  [['RUN ls'], 'INSTR_NO_STAGE', '1:1-1:4'],
  [['FROM alpine', 'RUN --mount=type=foo,target=/x ls'], 'INSTR_MOUNT_TYPE', '2:13-2:21'],
  [['FROM alpine', 'RUN --mount=type=cahce,target=/x ls'], 'INSTR_MOUNT_TYPE', '2:13-2:23', 'cache'],
  [['FROM alpine', 'RUN --mount=target=/x,foo=1 ls'], 'INSTR_MOUNT_UNKNOWN_KEY', '2:23-2:28', 'from'],
  [['FROM alpine', 'RUN --mount=target=/x,whatever=1 ls'], 'INSTR_MOUNT_UNKNOWN_KEY', '2:23-2:33'],
  [['FROM alpine', 'RUN --mount=target=/x,sourc=a ls'], 'INSTR_MOUNT_UNKNOWN_KEY', '2:23-2:30', 'source'],
  [['FROM alpine', 'RUN --mount=target=/x,bogus ls'], 'INSTR_MOUNT_MISSING_VALUE', '2:23-2:28'],
  [['FROM alpine', 'RUN --mount=target=/x,uid=a,type=cache ls'], 'INSTR_MOUNT_INVALID_VALUE', '2:23-2:28'],
  [['FROM alpine', 'RUN --mount=type=cache,target=/x,mode=0999 ls'], 'INSTR_MOUNT_INVALID_VALUE', '2:34-2:43'],
  [['FROM alpine', 'RUN --mount=target=/x,ro=maybe ls'], 'INSTR_MOUNT_INVALID_VALUE', '2:23-2:31'],
  [['FROM alpine', 'RUN --mount=type=tmpfs,target=/x,size=lots ls'], 'INSTR_MOUNT_INVALID_VALUE', '2:34-2:43'],
  [['FROM alpine', 'RUN --mount=type=cache,target=/x,sharing=open ls'], 'INSTR_MOUNT_INVALID_VALUE', '2:34-2:46'],
  [['FROM alpine', 'RUN --mount=target=/x,mode=0755 ls'], 'INSTR_MOUNT_KEY_NOT_ALLOWED', '2:13-2:32'],
  [['FROM alpine', 'RUN --mount=target=/x,size=1m ls'], 'INSTR_MOUNT_KEY_NOT_ALLOWED', '2:23-2:30'],
  [['FROM alpine', 'RUN --mount=target=/x,required ls'], 'INSTR_MOUNT_KEY_NOT_ALLOWED', '2:23-2:31'],
  [['FROM alpine', 'RUN --mount=target=/x,sharing=locked ls'], 'INSTR_MOUNT_KEY_NOT_ALLOWED', '2:13-2:37'],
  [['FROM alpine', 'RUN --mount=type=secret ls'], 'INSTR_MOUNT_INVALID', '2:13-2:24'],
  [['FROM alpine', 'RUN --mount=type=secret,id=a,source=b ls'], 'INSTR_MOUNT_INVALID', '2:13-2:38'],
  [['FROM alpine', 'RUN --mount=type=cache ls'], 'INSTR_MOUNT_INVALID', '2:13-2:23'],
];

for (const [lines, code, range, suggestion] of cases) {
  test(`${code}: ${lines.join(' / ')}`, () => {
    const r = typed(...lines);
    assert.equal(r.errors.length, 1, JSON.stringify(r.errors.map((e) => e.code)));
    const e = r.errors[0]!;
    assert.equal(e.code, code);
    assert.equal(where(e.range), range);
    assert.equal(e.severity, 'error');
    assert.equal(e.suggestion, suggestion);
  });
}

test('every instruction code has a case above', async () => {
  const { readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const path = await import('node:path');
  const src = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../src/instructions/errors.ts'), 'utf8');
  const codes = [...src.matchAll(/\| '(INSTR_[A-Z_]+)'/g)].map((m) => m[1]!);
  const covered = new Set(cases.map((c) => c[1]));
  covered.add('INSTR_MOUNT_SYNTAX'); // covered by the parseMount test below
  assert.deepEqual(codes.filter((c) => !covered.has(c)), []);
});

test('a --mount value that is not one CSV record is INSTR_MOUNT_SYNTAX', () => {
  const range = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };
  for (const raw of ['', 'target=/x,a"b=1', 'target="/x"y']) {
    assert.throws(() => parseMount(raw, range), (e) => e instanceof InstructionError && e.diagnostic.code === 'INSTR_MOUNT_SYNTAX', raw);
  }
  assert.equal((parseMount('"target=/a,b",type=tmpfs', range) as { target: string }).target, '/a,b');
});

test('an ONBUILD trigger that does not check is a located warning, as BuildKit defers it', () => {
  const r = typed('FROM alpine', 'ONBUILD FOO x');
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings.map((w) => [w.code, where(w.range), w.severity]), [['INSTR_UNKNOWN', '2:9-2:12', 'warning']]);
  const ob = r.instructions[1]!;
  assert.equal(ob.type, 'onbuild');
  assert.equal(ob.type === 'onbuild' && ob.trigger, null);
});

test('errors are collected per instruction; the others are still typed', () => {
  const r = typed('FROM alpine', 'RUNN x', 'COPY --from a b', 'RUN ls');
  assert.deepEqual(r.errors.map((e) => e.code), ['INSTR_UNKNOWN', 'INSTR_FLAG_MISSING_VALUE']);
  assert.deepEqual(r.instructions.map((i) => i.type), ['from', 'run']);
});
