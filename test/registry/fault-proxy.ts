import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy in front of a plain-HTTP registry that injects faults the test
 * asks for: dropped connections mid-body, error statuses (with headers such as
 * Retry-After), a flipped byte, or a Range header the "registry" ignores. Each fault
 * applies to the next `times` requests its rule matches, then the proxy passes through.
 */
export type Fault =
  /** Forward the response, but cut the connection after `afterBytes` body bytes. */
  | { readonly type: 'drop'; readonly afterBytes: number }
  /** Answer with this status without asking the registry. */
  | { readonly type: 'status'; readonly status: number; readonly headers?: Record<string, string> }
  /** Forward the response with the byte at `offset` inverted. */
  | { readonly type: 'flip'; readonly offset: number }
  /** Forward the request without its Range header (a registry without resume support). */
  | { readonly type: 'ignore-range' }
  /** Close the connection before any response. */
  | { readonly type: 'reset' }
  /** Answer 200 with this body instead (a hostile or broken registry). */
  | { readonly type: 'replace'; readonly body: Buffer; readonly contentType: string }
  /** Answer 307 to the same path on another origin (`http://127.0.0.1:PORT`). */
  | { readonly type: 'redirect'; readonly to: string };

export interface FaultRule {
  readonly method?: string;
  readonly path: RegExp;
  readonly fault: Fault;
  times: number;
}

export interface ProxyLogEntry {
  readonly method: string;
  readonly path: string;
  readonly range?: string;
  /** Whether the request carried an Authorization header. */
  readonly authorized: boolean;
  /** The fault applied, if any. */
  readonly fault?: Fault['type'];
}

export interface FaultProxy {
  /** `127.0.0.1:PORT`, used as the registry host in references. */
  readonly host: string;
  readonly log: ProxyLogEntry[];
  add(rule: Omit<FaultRule, 'times'> & { times?: number }): void;
  clear(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const [upHost, upPort] = upstream.split(':') as [string, string];
  const rules: FaultRule[] = [];
  const log: ProxyLogEntry[] = [];
  const agent = new http.Agent({ keepAlive: true });

  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const rule = rules.find((r) => r.times > 0 && (!r.method || r.method === req.method) && r.path.test(path));
    if (rule) rule.times--;
    const fault = rule?.fault;
    log.push({ method: req.method ?? '', path, range: req.headers.range, authorized: req.headers.authorization !== undefined, fault: fault?.type });
    if (fault?.type === 'replace') {
      req.resume();
      res.writeHead(200, { 'content-type': fault.contentType, 'content-length': String(fault.body.length) }).end(fault.body);
      return;
    }
    if (fault?.type === 'redirect') {
      req.resume();
      res.writeHead(307, { location: `${fault.to}${path}` }).end();
      return;
    }
    if (fault?.type === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.type === 'status') {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(JSON.stringify({ errors: [{ code: 'INJECTED', message: `fault proxy: ${fault.status}` }] }));
      return;
    }
    const headers = { ...req.headers };
    if (fault?.type === 'ignore-range') delete headers.range;
    const up = http.request({ host: upHost, port: Number(upPort), method: req.method, path, headers, agent }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      let seen = 0;
      upRes.on('data', (chunk: Buffer) => {
        if (fault?.type === 'drop' && seen + chunk.length > fault.afterBytes) {
          upRes.destroy();
          // Cut the connection once the partial bytes have left (the write callback).
          res.write(chunk.subarray(0, Math.max(0, fault.afterBytes - seen)), () => res.socket?.destroy());
          seen += chunk.length;
          return;
        }
        if (fault?.type === 'flip' && seen <= fault.offset && fault.offset < seen + chunk.length) {
          chunk = Buffer.from(chunk);
          chunk[fault.offset - seen] = chunk[fault.offset - seen]! ^ 0xff;
        }
        seen += chunk.length;
        res.write(chunk);
      });
      upRes.on('end', () => res.end());
      upRes.on('error', () => res.socket?.destroy());
    });
    up.on('error', () => res.socket?.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    log,
    add: (rule) => rules.push({ ...rule, times: rule.times ?? 1 }),
    clear: () => { rules.length = 0; log.length = 0; },
    close: () => new Promise((resolve) => { agent.destroy(); server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
