/**
 * File names in byte (UTF-8) order, the order of canonical layer tars and content hashes.
 * UTF-16 code-unit order (JavaScript's default sort) agrees with it below U+D800, which
 * covers nearly every real name, so the byte comparison runs only for lists that need it.
 */
export function sortByBytes(names: string[]): string[] {
  for (const n of names) {
    for (let i = 0; i < n.length; i++) {
      if (n.charCodeAt(i) >= 0xd800) return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    }
  }
  return names.sort();
}
