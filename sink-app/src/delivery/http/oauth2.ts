// OAuth2 client-credentials token cache (thin adapter: fetch and clock are injected).
import type { OAuth2Auth } from "./config.js";
import { buildTokenRequest } from "./request-shape.js";

export class TokenRequestError extends Error {
  override readonly name = "TokenRequestError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface TokenProvider {
  /** A valid token: cached, or fetched once for all concurrent callers. */
  getToken(): Promise<string>;
  /** Drops `token` if it is still the cached one (a 401 proved it stale); others keep theirs. */
  invalidate(token: string): void;
  /** Token endpoint requests made so far (for logs and tests). */
  readonly fetchCount: number;
}

interface CachedToken {
  token: string;
  /** Epoch ms after which we refresh; Infinity when the server gave no expires_in. */
  refreshAt: number;
}

export function createTokenProvider(params: {
  auth: OAuth2Auth;
  clientSecret: string;
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
  now: () => number;
}): TokenProvider {
  const { auth } = params;
  let cached: CachedToken | undefined;
  let inFlight: Promise<CachedToken> | undefined;
  let fetchCount = 0;

  async function requestToken(): Promise<CachedToken> {
    fetchCount++;
    const req = buildTokenRequest({
      clientId: auth.clientId,
      clientSecret: params.clientSecret,
      scope: auth.scope,
      authorizationMode: auth.authorizationMode,
    });
    const requestedAt = params.now();
    let res: Response;
    try {
      res = await params.fetch(auth.tokenUrl, {
        method: "POST",
        headers: req.headers,
        body: req.body,
        signal: AbortSignal.timeout(params.timeoutMs),
      });
    } catch (err) {
      throw new TokenRequestError(`token endpoint ${auth.tokenUrl} unreachable: ${errorMessage(err)}`);
    }
    const text = await res.text().catch(() => "");
    if (!res.ok) {
      throw new TokenRequestError(`token endpoint answered HTTP ${res.status}: ${text.slice(0, 300)}`, res.status);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new TokenRequestError(`token endpoint answered non-JSON: ${text.slice(0, 300)}`, res.status);
    }
    const record = (json ?? {}) as Record<string, unknown>;
    const token = record[auth.tokenProperty];
    if (typeof token !== "string" || token === "") {
      throw new TokenRequestError(`token response has no string property "${auth.tokenProperty}"`, res.status);
    }
    const expiresIn = Number(record.expires_in);
    // Refresh skew never eats more than half the lifetime, so short-lived tokens still get used.
    const refreshAt =
      Number.isFinite(expiresIn) && expiresIn > 0
        ? requestedAt + expiresIn * 1000 - Math.min(auth.refreshSkewSeconds * 1000, (expiresIn * 1000) / 2)
        : Number.POSITIVE_INFINITY;
    return { token, refreshAt };
  }

  return {
    get fetchCount() {
      return fetchCount;
    },
    async getToken() {
      if (cached && params.now() < cached.refreshAt) return cached.token;
      if (!inFlight) {
        inFlight = requestToken()
          .then((fresh) => {
            cached = fresh;
            return fresh;
          })
          .finally(() => {
            inFlight = undefined;
          });
      }
      return (await inFlight).token;
    },
    invalidate(token: string) {
      if (cached?.token === token) cached = undefined;
    },
  };
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
