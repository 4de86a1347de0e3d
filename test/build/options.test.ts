import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBuildArgs, parseEpoch, parseLabels, parseOutput, parseProgressMode, parseSecret, splitCsv } from '../../src/build/options.js';

function code(fn: () => unknown): string | undefined {
  try { fn(); } catch (e) { return (e as { code?: string }).code; }
  return undefined;
}

test('-o parses buildx fields, takes -t tags as names, and rejects unknown types and fields', () => {
  assert.deepEqual(parseOutput('type=oci,dest=out.tar'), { type: 'oci', dest: 'out.tar', names: [], compression: 'gzip' });
  assert.deepEqual(parseOutput('type=docker,dest=-,compression=uncompressed', ['a:1']), { type: 'docker', dest: '-', names: ['a:1'], compression: 'uncompressed' });
  assert.deepEqual(parseOutput('type=image,push=true', ['x']), { type: 'image', names: ['x'], push: true, compression: 'gzip' });
  assert.deepEqual(parseOutput('type=registry,"name=r/a:1,r/a:2"'), { type: 'registry', names: ['r/a:1', 'r/a:2'], compression: 'gzip' });
  assert.equal(code(() => parseOutput('type=oci')), 'BUILD_BAD_OUTPUT');
  assert.equal(code(() => parseOutput('dest=x')), 'BUILD_BAD_OUTPUT');
  assert.equal(code(() => parseOutput('type=cacheonly')), 'BUILD_BAD_OUTPUT');
  assert.equal(code(() => parseOutput('type=oci,dest=x,bogus=1')), 'BUILD_BAD_OUTPUT');
  assert.equal(code(() => parseOutput('type=oci,dest=x,compression=zstd')), 'BUILD_BAD_OUTPUT');
  assert.equal(code(() => parseOutput('type=registry')), 'BUILD_BAD_OUTPUT');
});

test('-o compression-level is 0-9, as buildx spells it, on every output type', () => {
  assert.deepEqual(parseOutput('type=oci,dest=o.tar,compression-level=9'), { type: 'oci', dest: 'o.tar', names: [], compression: 'gzip', compressionLevel: 9 });
  assert.deepEqual(parseOutput('type=image,compression-level=0', ['x']), { type: 'image', names: ['x'], push: false, compression: 'gzip', compressionLevel: 0 });
  assert.deepEqual(parseOutput('type=registry,name=r/a,compression-level=3'), { type: 'registry', names: ['r/a'], compression: 'gzip', compressionLevel: 3 });
  for (const bad of ['10', '-1', 'x', '', '1.5']) assert.equal(code(() => parseOutput(`type=oci,dest=x,compression-level=${bad}`)), 'BUILD_BAD_OUTPUT', bad);
});

test('--secret: src/source/env fields, type defaults as buildx', () => {
  assert.deepEqual(parseSecret('id=tok,src=/run/tok'), { type: 'file', id: 'tok', src: '/run/tok' });
  assert.deepEqual(parseSecret('id=tok,source=f'), { type: 'file', id: 'tok', src: 'f' });
  assert.deepEqual(parseSecret('id=tok,env=TOKEN'), { type: 'env', id: 'tok', env: 'TOKEN' });
  assert.deepEqual(parseSecret('id=TOKEN,type=env'), { type: 'env', id: 'TOKEN', env: 'TOKEN' });
  assert.deepEqual(parseSecret('id=f'), { type: 'file', id: 'f', src: 'f' });
  assert.equal(code(() => parseSecret('src=x')), 'BUILD_BAD_SECRET');
  assert.equal(code(() => parseSecret('id=a,src=x,env=Y')), 'BUILD_BAD_SECRET');
  assert.equal(code(() => parseSecret('id=a,type=ssh')), 'BUILD_BAD_SECRET');
});

test('--build-arg K takes the value from the environment or is dropped; --label K is empty', () => {
  assert.deepEqual(parseBuildArgs(['A=1', 'B', 'C', 'D=x=y'], { B: 'from-env' }), { A: '1', B: 'from-env', D: 'x=y' });
  assert.deepEqual(parseLabels(['a=b', 'c']), { a: 'b', c: '' });
  assert.equal(code(() => parseBuildArgs(['=1'], {})), 'BUILD_BAD_FLAG');
});

test('CSV splitting, progress modes and epochs', () => {
  assert.deepEqual(splitCsv('a=1,"b=x,y","c="""'), ['a=1', 'b=x,y', 'c="']);
  assert.equal(parseProgressMode('plain'), 'plain');
  assert.equal(code(() => parseProgressMode('rawjson')), 'BUILD_BAD_FLAG');
  assert.equal(parseEpoch('1700000000'), 1700000000);
  assert.equal(code(() => parseEpoch('-1')), 'BUILD_BAD_FLAG');
});
