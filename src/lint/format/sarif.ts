import path from 'node:path';
import { findRule } from '../rules/index.js';
import type { Level } from '../types.js';
import type { FileReport } from './types.js';

const SARIF_LEVEL: Record<Level, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', style: 'note' };

/** A path as a SARIF artifact URI: relative paths stay relative (GitHub resolves them against the repository). */
function artifactUri(file: string): string {
  if (file === '-') return 'stdin';
  const posix = file.split(path.sep).join('/');
  if (path.isAbsolute(file)) return `file://${encodeURI(posix)}`;
  return encodeURI(posix.replace(/^\.\//, ''));
}

/** SARIF 2.1.0 with one run: the rules that fired (with help URIs) and one result per finding. */
export function formatSarif(reports: readonly FileReport[], version: string): string {
  const ruleIds = [...new Set(reports.flatMap((r) => r.diagnostics.map((d) => d.code)))].sort();
  const rules = ruleIds.map((id) => {
    const rule = findRule(id);
    if (!rule) return { id, name: id, shortDescription: { text: 'The Dockerfile could not be parsed' }, defaultConfiguration: { level: 'error' } };
    return {
      id,
      name: id,
      shortDescription: { text: rule.description },
      helpUri: rule.url,
      help: { text: `${rule.description}\nSee ${rule.url}` },
      defaultConfiguration: { level: SARIF_LEVEL[rule.level] },
      properties: { tags: [rule.source] },
    };
  });
  const results = reports.flatMap((r) => r.diagnostics.map((d) => ({
    ruleId: d.code,
    ruleIndex: ruleIds.indexOf(d.code),
    level: SARIF_LEVEL[d.level],
    message: { text: d.message },
    locations: [{
      physicalLocation: {
        artifactLocation: { uri: artifactUri(r.file) },
        region: {
          startLine: d.range.start.line,
          startColumn: d.range.start.column,
          endLine: d.range.end.line,
          endColumn: Math.max(d.range.end.column, d.range.end.line === d.range.start.line ? d.range.start.column : 1),
        },
      },
    }],
  })));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'slipway', version, rules } }, results }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
