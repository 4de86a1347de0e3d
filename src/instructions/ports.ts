/**
 * EXPOSE's `port[/protocol]` and `start-end[/protocol]`, as Docker's port-spec parser
 * reads them once expanded. Protocols are tcp (the default), udp and sctp.
 */
export interface PortSpec {
  readonly start: number;
  readonly end: number;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
}

/** The spec, or a message saying what is wrong. */
export function parsePortSpec(text: string): PortSpec | string {
  const slash = text.lastIndexOf('/');
  const portPart = slash < 0 ? text : text.slice(0, slash);
  const proto = slash < 0 ? 'tcp' : text.slice(slash + 1).toLowerCase();
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') return `invalid protocol ${JSON.stringify(text.slice(slash + 1))}`;
  if (portPart.includes(':')) return `invalid port ${JSON.stringify(portPart)}: EXPOSE takes container ports only, not host:container mappings`;
  const m = /^(\d+)(?:-(\d+))?$/.exec(portPart);
  if (!m) return `invalid port ${JSON.stringify(portPart)}`;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start > 65535 || end > 65535) return `invalid port ${JSON.stringify(portPart)}: out of range`;
  if (end < start) return `invalid port range ${JSON.stringify(portPart)}: end before start`;
  return { start, end, protocol: proto };
}

/** Docker's key for the image config's ExposedPorts: `80/tcp`. One key per port of a range. */
export function portKeys(spec: PortSpec): string[] {
  const keys: string[] = [];
  for (let p = spec.start; p <= spec.end; p++) keys.push(`${p}/${spec.protocol}`);
  return keys;
}
