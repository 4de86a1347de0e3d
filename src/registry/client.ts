import { SlipwayError } from '../errors.js';
import { formatScope, normaliseScopes, parseScope, parseWwwAuthenticate, type Challenge, type Scope } from './challenge.js';
import { resolveCredential, type Credential, type Env } from './credentials.js';
import type { Endpoint } from './endpoints.js';
import { isNotTlsError, networkError, registryError, responseError } from './errors.js';
import { DEFAULT_RETRY, isRetryableStatus, isTransientError, parseRetryAfter, RetryableStatus, withRetry, type RetryPolicy } from './retry.js';
import { readAll, send, type Body, type HttpResponse, type TlsSettings } from './transport.js';

export interface ClientOptions {
  readonly env: Env;
  readonly retry?: RetryPolicy;
  /** Use exactly this credential (login); `null` forces anonymous; default: from config. */
  readonly credential?: Credential | null;
  /** Called before each retry (progress output, tests). */
  readonly onRetry?: (info: { host: string; error: unknown; delay: number }) => void;
}

export interface RegistryRequest {
  readonly method: string;
  /** A path under /v2/ (`library/busybox/manifests/latest`) or an absolute/relative URL (upload Location). */
  readonly path?: string;
  readonly url?: string;
  readonly scopes: readonly Scope[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Body;
  /**
   * Send once: for upload requests whose failure spoils the session. Transient failures
   * (network errors, RetryableStatus) are thrown raw so the caller can restart the session.
   */
  readonly noRetry?: boolean;
}

/** A bearer token and when to stop using it (a little before it expires). */
interface Token { value: string; renewAt: number }

/**
 * Tokens are renewed this long before they expire (a quarter of their life when that is
 * shorter), so a request never sets out with a token about to lapse.
 */
const EXPIRY_MARGIN = 10_000;

/**
 * One registry endpoint as a session: discovers the scheme (HTTPS, or plain HTTP where
 * allowed), learns the auth challenge from `GET /v2/`, and sends requests with Basic or
 * Bearer authorization (tokens cached per realm, service and scope set until expiry),
 * retrying transient failures. Callers get every non-retryable response to interpret.
 */
export class RegistryClient {
  private base: URL | undefined;
  private challenge: Challenge | undefined;
  private credential: Promise<Credential | undefined> | undefined;
  private readonly tokens = new Map<string, Promise<Token>>();
  private pinging: Promise<void> | undefined;
  readonly retry: RetryPolicy;

  constructor(readonly endpoint: Endpoint, private readonly options: ClientOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  get host(): string {
    return this.endpoint.registry;
  }

  private onRetry = (error: unknown, delay: number) => this.options.onRetry?.({ host: this.host, error, delay });

  /** The base URL (`https://host/`), pinging the registry on first use. */
  async baseUrl(): Promise<URL> {
    this.pinging ??= this.ping().catch((err) => { this.pinging = undefined; throw err; });
    await this.pinging;
    return this.base!;
  }

  private tlsFor(url: URL): TlsSettings | undefined {
    return url.host === this.endpoint.apiHost ? this.endpoint.tls : { ca: this.endpoint.tls.ca };
  }

  private async ping(): Promise<void> {
    const { apiHost, transport } = this.endpoint;
    const candidates = transport === 'verified-https' ? ['https'] : ['https', 'http'];
    for (const [i, scheme] of candidates.entries()) {
      const base = new URL(`${scheme}://${apiHost}/`);
      const canFallBack = i + 1 < candidates.length;
      const probe = () => send({ method: 'GET', url: new URL('v2/', base), tls: this.tlsFor(base) });
      let res: HttpResponse;
      try {
        // A probe that may fall back goes once first: a plain-HTTP server answers TLS with
        // garbage or a reset, which must lead to HTTP rather than to retries.
        res = await this.withStatusRetry(canFallBack ? { ...this.retry, attempts: 1 } : this.retry, probe, canFallBack);
      } catch (err) {
        if (canFallBack && (transport === 'insecure' || isNotTlsError(err))) continue;
        if (!canFallBack || !isTransientError(err)) throw err instanceof SlipwayError ? err : networkError(apiHost, err);
        // Down, not plain HTTP (connection refused, timeout): the usual retries apply.
        res = await this.withStatusRetry(this.retry, probe).catch((again: unknown) => {
          throw again instanceof SlipwayError ? again : networkError(apiHost, again);
        });
      }
      res.body.resume();
      if (res.status === 401) this.challenge = pickChallenge(res.headers['www-authenticate']);
      this.base = base;
      return;
    }
  }

  private getCredential(): Promise<Credential | undefined> {
    if (this.options.credential !== undefined) return Promise.resolve(this.options.credential ?? undefined);
    this.credential ??= resolveCredential(this.host, this.options.env, this.endpoint.repository);
    return this.credential;
  }

  private async authorization(scopes: readonly Scope[], fresh: boolean): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    const cred = await this.getCredential();
    switch (challenge.scheme) {
      case 'basic':
        return cred?.type === 'basic' ? `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}` : undefined;
      case 'bearer': {
        if (cred?.type === 'registry-token') return `Bearer ${cred.token}`;
        return `Bearer ${(await this.token(challenge, scopes, cred, fresh)).value}`;
      }
      default:
        return undefined;
    }
  }

  private token(challenge: Challenge, scopes: readonly Scope[], cred: Credential | undefined, fresh: boolean): Promise<Token> {
    const normal = normaliseScopes(scopes).map(formatScope);
    const key = `${challenge.params.realm}|${challenge.params.service ?? ''}|${normal.join(' ')}`;
    const cached = this.tokens.get(key);
    if (cached && !fresh) {
      return cached.then((t) => (t.renewAt > Date.now() ? t : this.token(challenge, scopes, cred, true)));
    }
    const pending = this.fetchToken(challenge, normal, cred);
    this.tokens.set(key, pending);
    pending.catch(() => { if (this.tokens.get(key) === pending) this.tokens.delete(key); });
    return pending;
  }

  private async fetchToken(challenge: Challenge, scopes: string[], cred: Credential | undefined): Promise<Token> {
    const realmText = challenge.params.realm;
    if (!realmText) throw registryError('REGISTRY_PROTOCOL', `${this.host}: Bearer challenge without a realm`);
    let realm: URL;
    try {
      realm = new URL(realmText);
    } catch {
      throw registryError('REGISTRY_PROTOCOL', `${this.host}: Bearer realm ${JSON.stringify(realmText)} is not a URL`);
    }
    const service = challenge.params.service;
    let request: Parameters<typeof send>[0];
    if (cred?.type === 'identity-token') {
      // OAuth2 refresh-token grant, as docker does with a stored identity token.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.token, client_id: 'slipway',
        ...(service ? { service } : {}), ...(scopes.length ? { scope: scopes.join(' ') } : {}) });
      request = { method: 'POST', url: realm, body: Buffer.from(form.toString()), tls: this.tlsFor(realm),
        headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    } else {
      const url = new URL(realm);
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (cred?.type === 'basic') {
        url.searchParams.set('account', cred.username);
        headers.authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
      }
      request = { method: 'GET', url, headers, tls: this.tlsFor(url) };
    }
    const started = Date.now();
    const res = await this.withStatusRetry(this.retry, () => send(request)).catch((err) => { throw networkError(realm.host, err); });
    if (res.status === 401 || res.status === 403) {
      res.body.resume();
      throw registryError('REGISTRY_UNAUTHORIZED', `${this.host}: the token server ${realm.host} rejected ${cred ? 'the credentials' : 'anonymous access'}; run 'slipway login ${this.host}'`);
    }
    if (res.status !== 200) throw await responseError(res, `token from ${realm.host}`);
    let doc: { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
    try {
      doc = JSON.parse((await readAll(res, 1 << 20)).toString()) as typeof doc;
    } catch {
      throw registryError('REGISTRY_PROTOCOL', `token server ${realm.host} sent invalid JSON`);
    }
    const value = doc.token ?? doc.access_token;
    if (!value) throw registryError('REGISTRY_PROTOCOL', `token server ${realm.host} sent no token`);
    const issued = doc.issued_at ? Date.parse(doc.issued_at) : NaN;
    // Clocks differ: trust issued_at only when it is close to ours.
    const from = Number.isNaN(issued) || Math.abs(issued - started) > 60_000 ? started : issued;
    const lifetime = (doc.expires_in && doc.expires_in > 0 ? doc.expires_in : 60) * 1000;
    return { value, renewAt: from + lifetime - Math.min(EXPIRY_MARGIN, lifetime / 4) };
  }

  /** Sends with retries on network errors, 5xx and 429; returns the final response. */
  private async withStatusRetry(policy: RetryPolicy, op: () => Promise<HttpResponse>, raw = false): Promise<HttpResponse> {
    try {
      return await withRetry(policy, async () => {
        const res = await op();
        if (!isRetryableStatus(res.status)) return res;
        res.body.resume();
        throw new RetryableStatus(res.status, parseRetryAfter(res.headers['retry-after'] as string | undefined),
          `${res.url.host} answered ${res.status}`);
      }, this.onRetry);
    } catch (err) {
      if (err instanceof RetryableStatus && !raw) throw registryError('REGISTRY_ERROR', `${err.message} (after ${policy.attempts} attempts)`);
      throw err;
    }
  }

  /** Resolves a request's URL: a /v2/ path, or a Location (absolute or relative to the base). */
  async urlFor(req: Pick<RegistryRequest, 'path' | 'url'>): Promise<URL> {
    const base = await this.baseUrl();
    if (req.url !== undefined) return new URL(req.url, base);
    return new URL(`v2/${req.path ?? ''}`, base);
  }

  /**
   * Sends an authorized request with the retry policy. A 401 renews the challenge and
   * token once (scope upgrades, expiry); the caller interprets every other status.
   */
  async request(req: RegistryRequest): Promise<HttpResponse> {
    const url = await this.urlFor(req);
    let fresh = false;
    let scopes = req.scopes;
    try {
      for (let renewed = false; ; renewed = true) {
        const auth = await this.authorization(scopes, fresh);
        const policy = req.noRetry ? { ...this.retry, attempts: 1 } : this.retry;
        const res = await this.withStatusRetry(policy, () => send({ method: req.method, url, body: req.body, tls: this.tlsFor(url),
          headers: { ...req.headers, ...(auth ? { authorization: auth } : {}) } }), req.noRetry);
        if (res.status !== 401 || renewed) return res;
        const challenge = pickChallenge(res.headers['www-authenticate']);
        if (!challenge) return res;
        res.body.resume();
        this.challenge = challenge;
        // Some registries name the scope they want (more than we guessed): ask for it too.
        const wanted = (challenge.params.scope ?? '').split(' ').map(parseScope).filter((x): x is Scope => x !== undefined);
        scopes = [...scopes, ...wanted];
        fresh = true;
      }
    } catch (err) {
      // Unretried requests hand transient failures back as they are: the caller retries.
      if (req.noRetry && isTransientError(err)) throw err;
      throw err instanceof SlipwayError ? err : networkError(url.host, err);
    }
  }
}

/** Bearer is preferred over Basic when a registry offers both. */
function pickChallenge(header: string | string[] | undefined): Challenge | undefined {
  const all = parseWwwAuthenticate(header);
  return all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic');
}
