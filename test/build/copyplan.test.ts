import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChmod, parentsPivot, planCopy, resolveDest, urlFileName, heredocTarget, type PlannedSource } from '../../src/build/copyplan.js';

const f = (p: string) => ({ path: p, kind: 'file' as const });
const d = (p: string) => ({ path: p, kind: 'dir' as const });
const plan = (sources: PlannedSource[], dest: string, extra: Partial<Parameters<typeof planCopy>[0]> = {}) =>
  planCopy({ sources, dest, workdir: '/w', destIsDir: false, ...extra });
const code = (fn: () => unknown) => { try { fn(); } catch (e) { return (e as { code: string }).code; } return undefined; };

test('a file to a path without slash is renamed; with slash or an existing dir it keeps its name', () => {
  assert.deepEqual(plan([{ written: 'a.txt', matches: [f('a.txt')] }], 'b.txt'), [{ type: 'file', from: 'a.txt', to: '/w/b.txt' }]);
  assert.deepEqual(plan([{ written: 'a.txt', matches: [f('a.txt')] }], 'out/'), [{ type: 'file', from: 'a.txt', to: '/w/out/a.txt' }]);
  assert.deepEqual(plan([{ written: 'a.txt', matches: [f('a.txt')] }], '/etc', { destIsDir: true }), [{ type: 'file', from: 'a.txt', to: '/etc/a.txt' }]);
  assert.deepEqual(plan([{ written: 'sub/a.txt', matches: [f('sub/a.txt')] }], '.'), [{ type: 'file', from: 'sub/a.txt', to: '/w/a.txt' }]);
});

test('a directory copies its contents, never itself; wildcards and several sources go into the directory', () => {
  assert.deepEqual(plan([{ written: 'src', matches: [d('src')] }], '/app'), [{ type: 'contents', from: 'src', to: '/app' }]);
  assert.deepEqual(plan([{ written: 'x*', matches: [f('x1'), d('xd')] }], '/app/'), [
    { type: 'file', from: 'x1', to: '/app/x1' }, { type: 'contents', from: 'xd', to: '/app' }]);
  assert.deepEqual(plan([{ written: 'a', matches: [f('a')] }, { written: 'b', matches: [f('b')] }], '/d/'), [
    { type: 'file', from: 'a', to: '/d/a' }, { type: 'file', from: 'b', to: '/d/b' }]);
  assert.deepEqual(plan([{ written: '*.txt', matches: [f('only.txt')] }], '/d'), [{ type: 'file', from: 'only.txt', to: '/d/only.txt' }]);
});

test('several files into a non-directory is an error; nothing matched is an error', () => {
  assert.equal(code(() => plan([{ written: 'a', matches: [f('a')] }, { written: 'b', matches: [f('b')] }], '/d')), 'BUILD_COPY_DEST_NOT_DIR');
  assert.equal(code(() => plan([{ written: 'x*', matches: [] }], '/d/')), 'BUILD_COPY_NO_SOURCE');
  assert.deepEqual(plan([{ written: 'a', matches: [f('a')] }, { written: 'b', matches: [f('b')] }], '/d', { destIsDir: true }).map((i) => i.to), ['/d/a', '/d/b']);
});

test('--parents keeps paths from the context root or from the /./ pivot', () => {
  assert.deepEqual(parentsPivot('a/./b/c'), { root: 'a', kept: 'b/c' });
  assert.deepEqual(plan([{ written: 'x/*/f.txt', matches: [f('x/1/f.txt'), f('x/2/f.txt')] }], '/out/', { parents: true }).map((i) => i.to), ['/out/x/1/f.txt', '/out/x/2/f.txt']);
  assert.deepEqual(plan([{ written: 'x/./y', matches: [d('x/y')] }], '/out/', { parents: true }), [{ type: 'contents', from: 'x/y', to: '/out/y' }]);
});

test('ADD extracts local archives into the destination directory', () => {
  assert.deepEqual(plan([{ written: 'a.tar.gz', matches: [{ path: 'a.tar.gz', kind: 'file', archive: true }] }], '/opt', { extract: true }), [{ type: 'extract', from: 'a.tar.gz', to: '/opt' }]);
  assert.deepEqual(plan([{ written: 'a.tar.gz', matches: [{ path: 'a.tar.gz', kind: 'file', archive: true }] }], '/opt'), [{ type: 'file', from: 'a.tar.gz', to: '/opt' }]);
});

test('destinations, heredoc targets, URL names, chmod', () => {
  assert.deepEqual(resolveDest('', '/w'), { path: '/w', dirSyntax: true });
  assert.deepEqual(resolveDest('../x/', '/w/y'), { path: '/w/x', dirSyntax: true });
  assert.equal(heredocTarget('EOF', '/etc/motd', '/', false), '/etc/motd');
  assert.equal(heredocTarget('run.sh', '/bin/', '/', false), '/bin/run.sh');
  assert.equal(urlFileName('https://h/p/file.tgz?x=1'), 'file.tgz');
  assert.equal(urlFileName('https://h/'), '__unnamed__');
  assert.equal(parseChmod('755')(0o644, false), 0o755);
  assert.equal(parseChmod('u+x,go-w')(0o666, false), 0o744);
  assert.equal(parseChmod('a=rX')(0o600, true), 0o555);
  assert.equal(parseChmod('a=rX')(0o600, false), 0o444);
  assert.equal(code(() => parseChmod('99999')), 'BUILD_BAD_CHMOD');
  assert.equal(code(() => parseChmod('17777')), 'BUILD_BAD_CHMOD');
});
