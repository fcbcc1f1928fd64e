/* The public API of zcatalyst-connector-rs (implemented in connector.js on top
 * of the native functions declared below, which are internal). */

/** One connector's settings, as in the JSON given to `new Connection()`. */
export interface ConnectorSettings {
  client_id: string
  client_secret: string
  /** Token endpoint for the authorization-code exchange. */
  auth_url: string
  /** Token endpoint for refreshing. */
  refresh_url: string
  refresh_token?: string
  redirect_url?: string
  /** Seconds; replaced by the provider's answer. */
  expires_in?: number | string
  /** Seconds: when set, each token is used for exactly this long. */
  refresh_in?: number | string
  /** Encrypts tokens in shared stores. */
  secret_key?: string
  /** Zoho data centre (`us`, `eu`, `in`, `au`, `jp`, `ca`, `sa`, `cn`): fills the accounts URLs. */
  data_centre?: string
  /** The provider's consent page, for `getAuthorizationUrl()`. */
  authorize_url?: string
  /** The provider's revocation endpoint, for `revoke()` (derived for Zoho). */
  revoke_url?: string
  /** Default scope of authorization URLs. */
  scope?: string
  /** How the client authenticates at the token endpoint (default `client_secret_post`). */
  token_endpoint_auth_method?: 'client_secret_post' | 'client_secret_basic'
  /** Extra form parameters for every token request. */
  token_params?: Record<string, string | number | boolean>
  /** `Authorization` scheme for API calls (default `Zoho-oauthtoken` for Zoho hosts, else `Bearer`). */
  authorization_scheme?: string
  /** Base of relative `fetch()` URLs when the token answer names none (derived for Zoho). */
  api_domain?: string
  [extra: string]: unknown
}

/** Told when the provider rotates a refresh token. */
export interface RotatedTokensEvent {
  connectorName: string
  /** The new refresh token: save it where your configuration lives. */
  refreshToken: string
  accessToken: string
  expiresAt: number
}

/** Options of `getAuthorizationUrl()` (`AuthorizationUrlOptions` below). */
export type AuthorizationUrlRequest = AuthorizationUrlOptions

/** A new PKCE code verifier (43 URL-safe characters). */
export declare function createCodeVerifier(): string

/** `{ [connectorName]: settings }`. */
export type ConnectionJson = Record<string, ConnectorSettings>

/** What `putAccessTokenInCache()` wrote, in the JS package's shape. */
export interface CachedTokenEntry {
  cache_name: string
  cache_value: string
  expiry_in_hours: number
}

/** Counters of what a connector's shared token slot has done (`ConnectorStats` below). */
export type ConnectorCounters = ConnectorStats

/** A key-value store you implement; methods may return values or Promises. */
export interface TokenStore {
  /** The value under `key`: a string, `{ cache_value }`, or null/undefined when absent. */
  get(key: string): unknown
  /** Stores `value` under `key` for `ttlSeconds`. */
  put(key: string, value: string, ttlSeconds: number): unknown
  /** Removes `key` (optional). */
  delete?(key: string): unknown
}

/** The second `Connection` argument when it is not a Catalyst app. */
export interface StoreOptions {
  /** `redis://host:port/db`, `redis+cluster://h:p,h:p`, `redis+sentinel://h:p,h:p/<master>`, `file:///abs/path/tokens.json`, `memory:`, or your own store. */
  store?: string | TokenStore
  /** Prepended to every key (Redis). Default: none. */
  keyPrefix?: string
  /** Bound on each store operation; default 2000. */
  storeTimeoutMs?: number
  /** Refresh tokens in the background before they expire (default true). */
  refreshAhead?: boolean
  /** Called when the provider rotates a refresh token (errors become process warnings). */
  onTokens?: (event: RotatedTokensEvent) => void | Promise<void>
}

/** A Catalyst SDK app (`catalyst.initialize(req)`): tokens go to its default cache segment. */
export interface CatalystAppLike {
  cache(): { segment(): { get(key: string): unknown; put(key: string, value: string, expiryInHours: number): unknown; delete?(key: string): unknown } }
}

/** The error every failure is reported with. `code` is stable (`app/...`). */
export declare class CatalystConnectorError extends Error {
  constructor(code: string, message: string, value?: unknown, statusCode?: number)
  /** Stable error code, e.g. `app/OAUTH_ERROR`. */
  readonly code: string
  /** The value that caused the error, never a secret. */
  readonly value: unknown
  /** 400 by default; the token endpoint's HTTP status, or 503 when unreachable. */
  readonly statusCode: number
  toJSON(): { code: string; message: string; value: unknown; statusCode: number }
  toString(): string
}

/** A set of connectors, from an object or the path of a JSON file. */
export declare class Connection {
  /**
   * `app` picks where tokens are shared: a Catalyst app (its cache), store
   * options, or nothing (the `ZC_CONNECTOR_STORE` URL, else memory only).
   * Throws `app/INVALID_STORE` for a store it cannot use.
   */
  constructor(propJson: ConnectionJson | string, app?: CatalystAppLike | StoreOptions | null)
  /** The connection JSON (null when the path or JSON was invalid). */
  readonly connectionJson: ConnectionJson | null
  /** The connector named `connectorName`; throws `INVALID_ARGUMENT` when its settings are incomplete. */
  getConnector(connectorName: string): Connector
  /** Always `'Connector'`. */
  getComponentName(): string
  /** This package's version. */
  getComponentVersion(): string
}

/** One OAuth client whose access token is cached and refreshed in Rust. */
export declare class Connector {
  readonly connectorName: string
  authUrl: string
  refreshUrl: string
  refreshToken: string | undefined
  clientId: string
  clientSecret: string
  redirectUrl: string | undefined
  /** Lifetime of the current token in seconds (configured value before the first token). */
  readonly expiresIn: number
  /** When the current token stops being served, epoch ms; null before the first token. */
  readonly expiresAt: number | null
  /** `refresh_in` in milliseconds (NaN when not configured). */
  readonly refreshIn: number
  /** The last access token, or null before the first one. */
  readonly accessToken: string | null
  readonly secretKey: string | undefined
  /** The last token answer's `api_domain`, else the `api_domain` setting (derived for Zoho), else null. */
  readonly apiDomain: string | null
  /** A valid access token: cached, or from one refresh shared by all concurrent callers. */
  getAccessToken(): Promise<string>
  /** Exchanges an authorization code; the returned refresh token replaces the configured one. */
  generateAccessToken(code: string, options?: { codeVerifier?: string }): Promise<string>
  /** The provider's consent-page URL (`authorize_url` or a Zoho `data_centre`). */
  getAuthorizationUrl(request?: AuthorizationUrlRequest): string
  /** `fetch` with the token: adds `Authorization`, resolves relative URLs against `api_domain`, refreshes and retries once on 401. */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>
  /** Drops the cached token (or `accessToken` if still current) so the next call refreshes. */
  invalidate(accessToken?: string): boolean
  /** Revokes the refresh token at the provider and clears cached and stored tokens. */
  revoke(): Promise<void>
  /** Gets a new token from the provider. */
  refreshAccessToken(): Promise<void>
  /** Gets a new token from the provider and stores it; resolves to the token. */
  refreshAndPersistToken(): Promise<string>
  /** Stores the current token; resolves to the entry in the JS package's format. */
  putAccessTokenInCache(): Promise<CachedTokenEntry>
  /** Counters of the shared slot behind this connector. */
  stats(): ConnectorCounters
  /** Non-secret fields only. */
  toJSON(): Record<string, unknown>
}

