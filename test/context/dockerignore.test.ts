import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IgnoreMatcher, parseDockerignore } from '../../src/context/index.js';
import { isSlipwayError } from '../../src/errors.js';

describe('parseDockerignore', () => {
  it('drops comments and blanks, trims, cleans, strips a leading slash, keeps ! exceptions', () => {
    const text = '\uFEFF# comment\n\n  node_modules/  \n/build\n./a/../b//c\n! /keep/me/\n!x\n #not-a-comment\r\n**/*.log\n';
    assert.deepEqual(parseDockerignore(text), ['node_modules', 'build', 'b/c', '!keep/me', '!x', '#not-a-comment', '**/*.log']);
  });
});

describe('invalid .dockerignore patterns', () => {
  for (const [text, line] of [['a\n!\n', 2], ['ok\n\n# c\nfoo[ab\n', 4], ['! \n', 1]] as const) {
    it(`refuses ${JSON.stringify(text)} at line ${line}`, () => {
      assert.throws(() => parseDockerignore(text, 'ctx/.dockerignore'), (e: unknown) =>
        isSlipwayError(e) && e.code === 'CONTEXT_DOCKERIGNORE_INVALID' && e.message.startsWith(`ctx/.dockerignore:${line}:`));
    });
  }
  it('accepts escaped brackets and closed classes', () => {
    assert.deepEqual(parseDockerignore('\\[x\n[ab]c\n'), ['\\[x', '[ab]c']);
  });
});

describe('IgnoreMatcher (Docker matching rules)', () => {
  const cases: [string[], string, boolean][] = [
    [['*.md'], 'README.md', true],
    [['*.md'], 'docs/README.md', false],
    [['**/*.md'], 'docs/a/README.md', true],
    [['**/*.md'], 'README.md', true],
    [['docs'], 'docs/a/b.txt', true],
    [['docs/**'], 'docs', false],
    [['docs/**'], 'docs/x', true],
    [['*'], '.env', true],
    [['.*'], '.git/config', true],
    [['a?c'], 'abc', true],
    [['a?c'], 'a/c', false],
    [['[a-c]x'], 'bx', true],
    [['[^a]x'], 'ax', false],
    [['{a,b}'], 'a', false],
    [['{a,b}'], '{a,b}', true],
    [['a/**/b'], 'a/b', true],
    [['a/**/b'], 'a/x/y/b', true],
    [['node_modules', '!node_modules/keep'], 'node_modules/keep/index.js', false],
    [['node_modules', '!node_modules/keep'], 'node_modules/other.js', true],
    [['*.txt', '!important.txt'], 'important.txt', false],
    [['!important.txt', '*.txt'], 'important.txt', true],
    [['dir', '!dir/sub', 'dir/sub/x'], 'dir/sub/x', true],
    [['dir', '!dir/sub', 'dir/sub/x'], 'dir/sub/y', false],
    [['\\*'], '*', true],
    [['\\*'], 'a', false],
  ];
  for (const [patterns, p, expected] of cases) {
    it(`${JSON.stringify(patterns)} ${expected ? 'excludes' : 'keeps'} ${p}`, () => {
      assert.equal(new IgnoreMatcher(patterns).isExcluded(p), expected);
    });
  }

  it('enters an excluded directory only when an exception could re-include below it', () => {
    const m = new IgnoreMatcher(['node_modules', '!node_modules/keep/**']);
    assert.equal(m.mayIncludeBelow('node_modules'), true);
    assert.equal(m.mayIncludeBelow('node_modules/keep'), true);
    assert.equal(m.mayIncludeBelow('node_modules/other'), false);
    assert.equal(new IgnoreMatcher(['build']).mayIncludeBelow('build'), false);
    // BuildKit (fsutil) and buildah enter an excluded directory only when an exception's
    // text starts with it: `build` + `!**/*.keep` leaves build/x.keep out (checked with
    // Docker 20.10's BuildKit and buildah 1.28); an exception naming the path does not.
    assert.equal(new IgnoreMatcher(['build', '!**/*.keep']).mayIncludeBelow('build'), false);
    assert.equal(new IgnoreMatcher(['build', '!build/*.keep']).mayIncludeBelow('build'), true);
    assert.equal(new IgnoreMatcher(['cache/**', '!cache/**/*.idx']).mayIncludeBelow('cache/a'), false);
  });
});
