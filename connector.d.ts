/// <reference types="node" />
/*
 * The public API of zcatalyst-connector-rs, written for people: this file is
 * the package's `types` for `require()` and (through connector.d.mts) for
 * `import`. The generated `index.d.ts` declares the native functions that
 * connector.js is built on; they are internal and not exported from here.
 *
 * Needs only `@types/node` (>= 18) for `URL`, `RequestInit` and `Response`:
 * no DOM library. New public members go here, with JSDoc.
 */

/**
 * A Zoho data centre. Setting one fills `auth_url`, `refresh_url`,
 * `authorize_url` and `revoke_url` with `https://accounts.zoho.<dc>/oauth/v2/…`
 * (`accounts.zohocloud.ca` for `ca`); `com` is the same as `us`. Case-insensitive.
 */
export type ZohoDataCentre = 'us' | 'com' | 'eu' | 'in' | 'au' | 'jp' | 'ca' | 'sa' | 'cn'

/** The settings every connector may have, whatever way its endpoints are given. */
export interface ConnectorSettingsBase {
  /** The OAuth client id (Zoho: `1000.…`). Required and non-empty. */
  client_id: string
  /** The OAuth client secret. Required and non-empty; never appears in errors. */
  client_secret: string
  /**
   * The refresh token the connector refreshes with. Optional only until the
   * first `generateAccessToken(code)` (or the CLI's `exchange`) gives one.
   */
  refresh_token?: string
  /** The redirect URI registered with the provider, sent with code exchanges and authorization URLs. */
  redirect_url?: string
  /** Seconds a token lives when the provider's answer does not say (replaced by the answer's `expires_in`). */
  expires_in?: number | string
  /** Seconds: when set, each token is served for exactly this long, whatever the provider says. */
  refresh_in?: number | string
  /**
   * Seals the access token in shared stores (AES-256-GCM, key derived with
   * scrypt), in the format of `@zcatalyst/connector`. Never appears in errors.
   */
  secret_key?: string
  /** The provider's consent page, for `getAuthorizationUrl()` (filled in by `data_centre`). */
  authorize_url?: string
  /** The provider's revocation endpoint, for `revoke()` (derived for Zoho hosts). */
  revoke_url?: string
  /** The default scope of authorization URLs (space-separated). */
  scope?: string
  /**
   * How the client authenticates at the token endpoint: the id and secret in
   * the form (`client_secret_post`, the default) or HTTP Basic (`client_secret_basic`).
   */
  token_endpoint_auth_method?: 'client_secret_post' | 'client_secret_basic'
  /** Extra form parameters sent with every token request, e.g. `{ audience: '…' }`. */
  token_params?: Record<string, string | number | boolean>
  /** The `Authorization` scheme of `fetch()`: `Zoho-oauthtoken` for Zoho hosts, `Bearer` otherwise. */
  authorization_scheme?: string
  /**
   * Where relative `fetch()` URLs go when the token answer names no
   * `api_domain` (a token read from a shared store never does). Derived for
   * Zoho: `accounts.zoho.eu` → `https://www.zohoapis.eu`.
   */
  api_domain?: string
}

/** A connector whose token endpoints are given as URLs (any OAuth 2 provider). */
export interface UrlConnectorSettings extends ConnectorSettingsBase {
  /** Token endpoint for the authorization-code exchange (`https:`; plain `http:` only to localhost). */
  auth_url: string
  /** Token endpoint for refreshes (`https:`; plain `http:` only to localhost). */
  refresh_url: string
  /** Not set: the URLs above are used. */
  data_centre?: undefined
}

/** A Zoho connector whose endpoints come from its data centre; URLs given as well take precedence. */
export interface DataCentreConnectorSettings extends ConnectorSettingsBase {
  /** The Zoho data centre that fills in the accounts URLs. */
  data_centre: ZohoDataCentre
  /** Overrides the data centre's token endpoint for code exchanges. */
  auth_url?: string
  /** Overrides the data centre's token endpoint for refreshes. */
  refresh_url?: string
}

/**
 * One connector's settings, as in the JSON given to `new Connection()`:
 * either explicit token URLs or a Zoho `data_centre`.
 *
 * @example
 * const zoho: ConnectorSettings = { client_id: '1000.X', client_secret: 's', data_centre: 'eu', refresh_token: '1000.r' }
 */
export type ConnectorSettings = UrlConnectorSettings | DataCentreConnectorSettings

/** The connection JSON: `{ [connectorName]: settings }`. */
export type ConnectionJson = Record<string, ConnectorSettings>

/** The `onTokens` event: the provider rotated the refresh token. */
export interface RotatedTokensEvent {
  /** The connector's name in the connection JSON. */
  connectorName: string
  /** The new refresh token: save it where your configuration lives (the old one may no longer work). */
  refreshToken: string
  /** The access token that came with it. */
  accessToken: string
  /** When that access token stops being served, epoch milliseconds. */
  expiresAt: number
}

/** A key-value store you implement, shared by processes; methods may return values or Promises. */
export interface TokenStore {
  /** The value under `key`: a string, a Catalyst-style `{ cache_value }`, or null/undefined when absent. */
  get(key: string): unknown
  /** Stores `value` under `key` for `ttlSeconds` seconds. */
  put(key: string, value: string, ttlSeconds: number): unknown
  /** Removes `key` (optional; used by `revoke()`). */
  delete?(key: string): unknown
}

/** The second `Connection` argument when it is not a Catalyst app: where tokens are shared. */
export interface StoreOptions {
  /**
   * `redis://[user:password@]host:port/db` (`rediss://` for TLS),
   * `redis+cluster://[user:password@]host:port[,host:port…][?tls=1]` (a Redis
   * Cluster), `redis+sentinel://[user:password@]host:port[,host:port…]/<master>[/db][?tls=1]`
   * (the master the sentinels name), `file:///absolute/path.json`, `memory:`,
   * or your own {@link TokenStore}.
   * Default: the `ZC_CONNECTOR_STORE` URL, else memory only.
   */
  store?: string | TokenStore
  /** Prepended to every store key. Default: none (`ZC_CONNECTOR_STORE_PREFIX` for the default store). */
  keyPrefix?: string
  /** Bound on each store operation, milliseconds. Default 2000. */
  storeTimeoutMs?: number
  /** Refresh each token in the background before it expires, so no caller waits. Default `true`. */
  refreshAhead?: boolean
  /**
   * Called when the provider rotates a refresh token. Runs on the JS thread;
   * a throw or rejection becomes a process warning.
   */
  onTokens?: (event: RotatedTokensEvent) => void | Promise<void>
  /**
   * Receives structured, redacted events (refreshes, failures, store outages,
   * lock waits, rotations) as `logger[level](fields, message)`: console, pino
   * and bunyan fit. Default: none (`DEBUG=zcatalyst-connector` prints them to stderr).
   */
  logger?: ConnectorLogger
  /** Extra trusted certificate authorities (PEM), on top of Node's roots, `NODE_EXTRA_CA_CERTS` and `SSL_CERT_FILE`. */
  ca?: string | Buffer | Array<string | Buffer>
  /** Bound on each token request, milliseconds (default: `ZC_CONNECTOR_HTTP_TIMEOUT_MS`, else 30000). */
  timeoutMs?: number
}

/** Any object with these four methods: `console`, a pino or bunyan logger. */
export interface ConnectorLogger {
  /** Lock waits. */
  debug(fields: ConnectorLogFields, message: string): unknown
  /** Refreshes, a store that answers again, rotated tokens. */
  info(fields: ConnectorLogFields, message: string): unknown
  /** Failed refreshes that are retried, store failures, lock takeovers. */
  warn(fields: ConnectorLogFields, message: string): unknown
  /** Failed refreshes that are not retried. */
  error(fields: ConnectorLogFields, message: string): unknown
}

/** What a log line carries: the event's type and its fields, never a token or secret. */
export interface ConnectorLogFields {
  /** `refresh`, `refresh_failed`, `store_error`, `store_recovered`, `lock_wait`, `lock_takeover` or `tokens`. */
  event: string
  /** The connector concerned, when there is one. */
  connectorName?: string
  [field: string]: unknown
}

/** The `'refresh'` event of a Connection: a token was obtained from the provider. */
export interface RefreshEvent {
  /** The connector's name in the connection JSON. */
  connectorName: string
  /** How long the token request took, milliseconds. */
  durationMs: number
  /** Whether it was a refresh ahead of expiry, which no caller waited for. */
  background: boolean
}

/** Options of `getAccessToken()`. */
export interface GetAccessTokenOptions {
  /** Rejects this call (AbortError, `app/ABORTED`) when the signal aborts; a refresh others wait on goes on. */
  signal?: AbortSignal
}

/** A Catalyst SDK app (`catalyst.initialize(req)`): tokens go to its project's default cache segment. */
export interface CatalystAppLike {
  /** The Catalyst Cache component. */
  cache(): {
    /** The default segment. */
    segment(): {
      /** Resolves to `{ cache_value }` (or null) for `key`. */
      get(key: string): unknown
      /** Writes `value` for `expiryInHours` hours (at most 48). */
      put(key: string, value: string, expiryInHours: number): unknown
      /** Removes `key`, when the SDK has it. */
      delete?(key: string): unknown
    }
  }
}

/** Options of `getAuthorizationUrl()`. */
export interface AuthorizationUrlRequest {
  /** Space-separated scopes. Default: the connector's `scope` setting. */
  scope?: string
  /** Opaque value the provider sends back with the code; check it against CSRF. */
  state?: string
  /** `offline` asks for a refresh token (Zoho, Google). */
  accessType?: string
  /** `consent` forces the consent screen (Zoho, Google). */
  prompt?: string
  /** A PKCE verifier from {@link createCodeVerifier}; its S256 challenge is sent. */
  codeVerifier?: string
  /** More query parameters. */
  extra?: Record<string, string>
}

/** Options of `generateAccessToken()`. */
export interface GenerateAccessTokenOptions {
  /** The PKCE verifier the authorization URL was made with. */
  codeVerifier?: string
}

/** What `putAccessTokenInCache()` wrote, in the exact shape `@zcatalyst/connector` returns. */
export interface CachedTokenEntry {
  /** The store key: `ZC_CONN_<name>:<5-hex fingerprint>`. */
  cache_name: string
  /** `{"access_token","expiry_in_seconds","expires_at"}` as JSON; the token sealed when `secret_key` is set. */
  cache_value: string
  /** `ceil(expires_in / 3600)`, at least 1. */
  expiry_in_hours: number
}

/** Counters of what a connector's shared token slot has done since the process started. */
export interface ConnectorCounters {
  /** Token requests sent (refreshes and code exchanges). */
  tokenRequests: number
  /** Token requests that failed. */
  tokenRequestErrors: number
  /** Calls that found no fresh token and waited. */
  misses: number
  /** Calls answered from the cached token in memory. */
  hits: number
  /** Refresh requests sent. */
  refreshes: number
  /** Store reads attempted. */
  storeReads: number
  /** Store reads that gave a usable token. */
  storeHits: number
  /** Store writes that succeeded. */
  storeWrites: number
  /** Store operations that failed or timed out. */
  storeErrors: number
  /** Refreshes that found another process's fleet lock and waited. */
  lockWaits: number
  /** Waits that ended with this process refreshing itself under the lease (the owner died or stalled). */
  lockTakeovers: number
  /** Refreshes made ahead of expiry, in the background. */
  backgroundRefreshes: number
  /** Refresh tokens the provider rotated to. */
  rotations: number
  /** Calls answered at once with a failure being backed off (see `retryAfter`). */
  backedOff: number
}

/** The stable codes of {@link CatalystConnectorError} (see the README's error table). */
export type CatalystConnectorErrorCode =
  | 'INVALID_ARGUMENT'
  | 'app/invalid_input'
  | 'app/INVALID_ARGUMENT'
  | 'app/INVALID_OAUTH_URL'
  | 'app/INSECURE_OAUTH_URL'
  | 'app/OAUTH_ERROR'
  | 'app/TOKEN_ENDPOINT_ERROR'
  | 'app/INVALID_RESPONSE'
  | 'app/NETWORK_ERROR'
  | 'app/TIMEOUT'
  | 'app/NO_ACCESS_TOKEN'
  | 'app/SECRET_KEY_MISSING'
  | 'app/INVALID_STORE'
  | 'app/STORE_UNAVAILABLE'
  | 'app/LOCK_UNAVAILABLE'
  | 'app/INTERNAL'
  | 'app/ABORTED'

/** `CatalystConnectorError.toJSON()`: what is safe to log. */
export interface CatalystConnectorErrorJSON {
  /** The stable code. */
  code: string
  /** What went wrong, without secrets. */
  message: string
  /** The value at fault, or null. */
  value: unknown
  /** The HTTP status that goes with it. */
  statusCode: number
}

/**
 * The error every failure is reported with (`instanceof Error`). Messages name
 * fields, hosts and statuses, never a secret, refresh token or access token.
 *
 * @example
 * try {
 *   await connector.getAccessToken()
 * } catch (error) {
 *   if (error instanceof CatalystConnectorError && error.code === 'app/OAUTH_ERROR') {
 *     console.error('the provider refused:', error.message) // e.g. invalid_code
 *   }
 * }
 */
export declare class CatalystConnectorError extends Error {
  /**
   * Makes an error of this class (the package makes its own; this is for tests and wrappers).
   *
   * @param code a stable code, e.g. `app/OAUTH_ERROR`
   * @param message what went wrong, without secrets
   * @param value the value at fault (default null)
   * @param statusCode an HTTP status (default 400)
   */
  constructor(code: string, message: string, value?: unknown, statusCode?: number)
  /** Always `'CatalystConnectorError'`. */
  readonly name: string
  /** The stable code, e.g. `app/OAUTH_ERROR` (one of {@link CatalystConnectorErrorCode}). */
  readonly code: CatalystConnectorErrorCode | (string & {})
  /** The value at fault; null for validation errors (the JS package put the settings, secrets included, here). */
  readonly value: unknown
  /** 400 for usage errors, the token endpoint's HTTP status for its answers, 503 when it could not be reached. */
  readonly statusCode: number
  /**
   * While a failed refresh is backed off: milliseconds until the next attempt
   * (every caller gets the same failure at once until then). Absent otherwise.
   */
  readonly retryAfter?: number
  /** `{ code, message, value, statusCode }`. */
  toJSON(): CatalystConnectorErrorJSON
  /** The JSON of `toJSON()`. */
  toString(): string
}

/**
 * A set of connectors, from an object or the path of a JSON file.
 *
 * @example
 * const connection = new Connection({ crm: { client_id: '1000.X', client_secret: 's', data_centre: 'us', refresh_token: '1000.r' } })
 * const token = await connection.getConnector('crm').getAccessToken()
 */
export declare class Connection {
  /**
   * Reads the connectors; nothing is validated or fetched yet.
   *
   * @param propJson `{ [name]: settings }`, or the path of a JSON file holding it. A bad path or
   *   invalid JSON is not thrown here: `getConnector()` then throws `app/invalid_input`.
   * @param app where tokens are shared: a Catalyst app (its cache), {@link StoreOptions}, or
   *   nothing (the `ZC_CONNECTOR_STORE` URL, else memory only).
   * @throws {CatalystConnectorError} `app/INVALID_STORE` when the store option cannot be used.
   */
  constructor(propJson: ConnectionJson | string, app?: CatalystAppLike | StoreOptions | null)
  /** The SDK's argument order (`app.connection(json)` builds it so); options come third. */
  constructor(app: CatalystAppLike, propJson: ConnectionJson | string, options?: StoreOptions)
  /** A Catalyst app and options. */
  constructor(propJson: ConnectionJson | string, app: CatalystAppLike, options?: StoreOptions)
  /** The connection JSON; null when the path could not be read or was not a JSON object. */
  readonly connectionJson: ConnectionJson | null
  /** The `app` argument given to the constructor. */
  readonly app: CatalystAppLike | StoreOptions | null | undefined
  /**
   * The connector named `connectorName`. Connectors with the same settings
   * share one token, process-wide.
   *
   * @throws {CatalystConnectorError} `INVALID_ARGUMENT` when the entry is missing or `client_id`,
   *   `client_secret`, `auth_url` or `refresh_url` is missing or empty (and no `data_centre` fills them);
   *   `app/invalid_input` when the connection JSON could not be read;
   *   `app/INVALID_OAUTH_URL` / `app/INSECURE_OAUTH_URL` for a token URL that is not `https:`.
   */
  getConnector(connectorName: string): Connector
  /** Always `'Connector'`. */
  getComponentName(): string
  /** This package's version. */
  getComponentVersion(): string
  /**
   * Listens to this Connection's events (EventEmitter semantics): `'refresh'`,
   * `'error'` (a failed refresh or store operation, as a {@link CatalystConnectorError};
   * never thrown when nobody listens) and `'tokens'` (a rotated refresh token).
   * Listeners never keep the process alive; one that throws becomes a process warning.
   */
  on(event: 'refresh', listener: (event: RefreshEvent) => void): this
  on(event: 'error', listener: (error: CatalystConnectorError) => void): this
  on(event: 'tokens', listener: (event: RotatedTokensEvent) => void): this
  /** As `on('refresh')`, for the next event only. */
  once(event: 'refresh', listener: (event: RefreshEvent) => void): this
  /** As `on('error')`, for the next event only. */
  once(event: 'error', listener: (error: CatalystConnectorError) => void): this
  /** As `on('tokens')`, for the next event only. */
  once(event: 'tokens', listener: (event: RotatedTokensEvent) => void): this
  /** The same as `on()`. */
  addListener(event: 'refresh' | 'error' | 'tokens', listener: (event: any) => void): this
  /** Removes a listener added with `on()`, `once()` or `addListener()`. */
  off(event: 'refresh' | 'error' | 'tokens', listener: (event: any) => void): this
  /** The same as `off()`. */
  removeListener(event: 'refresh' | 'error' | 'tokens', listener: (event: any) => void): this
  /** Removes every listener of `event`, or of every event. */
  removeAllListeners(event?: 'refresh' | 'error' | 'tokens'): this
  /** How many listeners `event` has. */
  listenerCount(event: 'refresh' | 'error' | 'tokens'): number
}

/** `new Connection(app, propJson, options)`: what zcatalyst-sdk-node's `app.connection(json)` returns after `require('zcatalyst-connector-rs/register')`. */
export declare function connection(app: CatalystAppLike, propJson: ConnectionJson | string, options?: StoreOptions): Connection

/**
 * One OAuth client whose access token is cached and refreshed in Rust, shared
 * by every connector with the same settings. Made by `connection.getConnector(name)`.
 */
export declare class Connector {
  private constructor()
  /** The connector's name in the connection JSON. */
  readonly connectorName: string
  /** Token endpoint for code exchanges; setting it moves the connector to that configuration's token. */
  authUrl: string
  /** Token endpoint for refreshes; settable like `authUrl`. */
  refreshUrl: string
  /** The refresh token in use (replaced by `generateAccessToken()`); settable like `authUrl`. */
  refreshToken: string | undefined
  /** The OAuth client id; settable like `authUrl`. */
  clientId: string
  /** The OAuth client secret; settable like `authUrl`. */
  clientSecret: string
  /** The redirect URI; settable like `authUrl`. */
  redirectUrl: string | undefined
  /** The `secret_key` setting that seals stored tokens. */
  readonly secretKey: string | undefined
  /** Lifetime of the current token, seconds (the configured `expires_in` before the first token). */
  readonly expiresIn: number
  /** When the current token stops being served, epoch milliseconds; null before the first token. */
  readonly expiresAt: number | null
  /** `refresh_in` in milliseconds (NaN when not configured). */
  readonly refreshIn: number
  /** The last access token, or null before the first one. */
  readonly accessToken: string | null
  /** The last token answer's `api_domain`, else the `api_domain` setting (derived for Zoho), else null. */
  readonly apiDomain: string | null
  /**
   * A valid access token: from memory when cached (about 100 ns), else read
   * from the shared store or obtained by one refresh that all concurrent
   * callers (and, with a lockable store, all processes) share.
   *
   * @throws {CatalystConnectorError} (rejects) `app/INVALID_ARGUMENT` without a refresh token;
   *   `app/OAUTH_ERROR` when the provider refuses (e.g. `invalid_code`, `invalid_client`);
   *   `app/TOKEN_ENDPOINT_ERROR`, `app/INVALID_RESPONSE` for odd answers;
   *   `app/NETWORK_ERROR` / `app/TIMEOUT` when the endpoint cannot be reached;
   *   `app/SECRET_KEY_MISSING` when the store holds a sealed token and there is no `secret_key`.
   * @example
   * const token = await connection.getConnector('crm').getAccessToken()
   * await fetch('https://www.zohoapis.com/crm/v6/Leads', { headers: { Authorization: `Zoho-oauthtoken ${token}` } })
   */
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>
  /**
   * Exchanges an authorization code (`grant_type=authorization_code`); the
   * returned refresh token replaces the configured one (`refreshToken`).
   *
   * @param code the code the provider sent to the redirect URI
   * @returns the new access token
   * @throws {CatalystConnectorError} (rejects) `app/INVALID_ARGUMENT` for an empty code, no redirect URL,
   *   or an answer without `refresh_token`; `app/OAUTH_ERROR` for a used, expired or wrong code; the
   *   network codes of `getAccessToken()`.
   * @example
   * await connector.generateAccessToken(req.query.code, { codeVerifier: session.codeVerifier })
   * console.log(connector.refreshToken) // save it
   */
  generateAccessToken(code: string, options?: GenerateAccessTokenOptions): Promise<string>
  /**
   * The provider's consent-page URL (`authorize_url`, or the Zoho data centre's).
   *
   * @throws {CatalystConnectorError} `app/INVALID_ARGUMENT` when there is no `authorize_url` or `redirect_url`.
   * @example
   * const url = connector.getAuthorizationUrl({ scope: 'ZohoCRM.modules.ALL', accessType: 'offline', state })
   */
  getAuthorizationUrl(request?: AuthorizationUrlRequest): string
  /**
   * The platform `fetch` with this connector's token: adds `Authorization`
   * (`Zoho-oauthtoken …` or `Bearer …`), resolves relative URLs against
   * `apiDomain`, and when the API rejects the token (401, or Zoho's
   * `INVALID_OAUTHTOKEN`) refreshes once and retries once, unless the body was
   * a stream.
   *
   * @param input an absolute URL, a `URL`, or a path relative to `apiDomain`
   * @param init the platform `fetch` options; an aborted `signal` rejects with AbortError (`app/ABORTED`)
   * @throws {CatalystConnectorError} (rejects) `app/INVALID_ARGUMENT` for a relative URL without an
   *   `api_domain`; any error of `getAccessToken()`.
   * @example
   * const leads = await (await connector.fetch('/crm/v6/Leads?fields=Last_Name')).json()
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>
  /**
   * Drops the cached token (or only `accessToken`, when given and still
   * current) so the next call refreshes.
   *
   * @returns whether a token was dropped
   */
  invalidate(accessToken?: string): boolean
  /**
   * Revokes the refresh token at the provider and clears the cached and stored tokens.
   *
   * @throws {CatalystConnectorError} (rejects) `app/INVALID_ARGUMENT` without a `revoke_url` (derived
   *   for Zoho) or refresh token; the provider and network codes of `getAccessToken()`.
   */
  revoke(): Promise<void>
  /**
   * Gets a new token from the provider now (joining a refresh in flight) and writes it to the store.
   *
   * @throws {CatalystConnectorError} (rejects) as `getAccessToken()`.
   */
  refreshAccessToken(): Promise<void>
  /**
   * As `refreshAccessToken()`, resolving to the new access token.
   *
   * @throws {CatalystConnectorError} (rejects) as `getAccessToken()`.
   */
  refreshAndPersistToken(): Promise<string>
  /**
   * Writes the current token to the store and resolves to the entry, in the
   * JS package's format.
   *
   * @throws {CatalystConnectorError} (rejects) `app/NO_ACCESS_TOKEN` before any token was obtained;
   *   `app/STORE_UNAVAILABLE` when the store cannot be written.
   */
  putAccessTokenInCache(): Promise<CachedTokenEntry>
  /** Counters of the shared slot behind this connector. */
  stats(): ConnectorCounters
  /** The non-secret fields: `connectorName`, `clientId`, `authUrl`, `refreshUrl`, `redirectUrl`, `expiresAt`. */
  toJSON(): ConnectorJSON
}

/** `Connector.toJSON()`: the connector without its secrets. */
export interface ConnectorJSON {
  /** The connector's name. */
  connectorName: string
  /** The OAuth client id. */
  clientId: string
  /** Token endpoint for code exchanges. */
  authUrl: string
  /** Token endpoint for refreshes. */
  refreshUrl: string
  /** The redirect URI, if set. */
  redirectUrl: string | undefined
  /** When the current token stops being served, epoch milliseconds; null before the first token. */
  expiresAt: number | null
}

/**
 * A new PKCE code verifier (43 URL-safe characters) for
 * `getAuthorizationUrl({ codeVerifier })` and `generateAccessToken(code, { codeVerifier })`.
 * Keep it with the user's session between the two.
 */
export declare function createCodeVerifier(): string
