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


export declare class ExternalObject<T> {
  readonly '': {
    readonly '': unique symbol
    [K: symbol]: T
  }
}

/**
 * Which binding artifact the generated loader actually loaded: `'native'` for
 * a native addon, otherwise the `platformArchABI` of the WASI flavor. Every
 * flavor napi-rs can build is listed, because `NAPI_RS_NATIVE_LIBRARY_PATH`
 * can point the loader at a WASI artifact this package does not build itself.
 */
export declare const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1'

/**
 * Adopts the token entry `value` that `connector.js` read from the
 * Connection's JS store (null: none there). Returns the access token now
 * served (its generation is on the board), 0 when the entry is missing,
 * stale or unusable (call `getToken(handle, options, true)`: it refreshes
 * without reading the entry again), or -1 when it could not be decided here
 * (a sealed value whose key is not derived yet, or no secret key for it:
 * call `getToken(handle, options)`).
 */
export declare function adoptStored(handle: number, options: ExternalObject<unknown>, value?: string | null): string | number

/**
 * Where relative `fetch()` URLs go: the last token answer's `api_domain`,
 * else the connector's `api_domain` setting (derived for Zoho), else null.
 */
export declare function apiDomain(handle: number): string | null

/** The `Authorization` scheme for API calls (`Zoho-oauthtoken`, `Bearer`, …). */
export declare function authorizationScheme(handle: number): string

/** The consent-page URL of the connector. */
export declare function authorizationUrl(handle: number, options?: AuthorizationUrlOptions | undefined | null): string

/** Options of `getAuthorizationUrl()`. */
export interface AuthorizationUrlOptions {
  /** Space-separated scopes (default: the connector's `scope`). */
  scope?: string
  /** Sent back by the provider with the code; check it against CSRF. */
  state?: string
  /** `offline` asks for a refresh token (Zoho, Google). */
  accessType?: string
  /** `consent` forces the consent screen. */
  prompt?: string
  /** A PKCE verifier (see `createCodeVerifier()`); its S256 challenge is sent. */
  codeVerifier?: string
  /** More query parameters. */
  extra?: Record<string, string>
}

/** The shared-cache entry for the slot's token, as the JS package writes it. */
export interface CacheEntry {
  /** `ZC_CONN_<name>:<fingerprint>`. */
  cache_name: string
  /** `{"access_token":…,"expiry_in_seconds":…,"expires_at":…}`. */
  cache_value: string
  /** `ceil(expires_in / 3600)`. */
  expiry_in_hours: number
}

/**
 * Call options over `store`; `on_event` is called (on the JS thread, never
 * keeping the process alive) with each engine event.
 */
export declare function callOptions(store: ExternalObject<unknown>, refreshAhead: boolean, onEvent?: (event: any) => void, http?: HttpOptions): ExternalObject<unknown>

/** What the slot has done so far. */
export interface ConnectorStats {
  /** Token requests sent (refreshes and code exchanges). */
  tokenRequests: number
  /** Token requests that failed. */
  tokenRequestErrors: number
  /** Calls that found no fresh token and waited. */
  misses: number
  /** Calls answered from the cached token. */
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
  /** Refreshes that waited for another process's fleet lock. */
  lockWaits: number
  /** Waits that ended with this process taking the lock over. */
  lockTakeovers: number
  /** Refreshes made ahead of expiry, in the background. */
  backgroundRefreshes: number
  /** Refresh tokens the provider rotated to. */
  rotations: number
  /** Calls answered at once with a failure being backed off. */
  backedOff: number
}

/** The connector's endpoints. */
export declare function connectorUrls(handle: number): ConnectorUrls

/** The endpoints a connector uses, with those a `data_centre` filled in. */
export interface ConnectorUrls {
  /** Token endpoint for code exchanges. */
  auth_url: string
  /** Token endpoint for refreshes. */
  refresh_url: string
  /** Consent page, if known. */
  authorize_url?: string
  /** Revocation endpoint, if known. */
  revoke_url?: string
}

/** Exchanges an authorization code; the new refresh token gets its own slot. */
export declare function exchangeCode(handle: number, code: string, codeVerifier: string | undefined | null, options: ExternalObject<unknown>): Promise<Exchanged>

/** The outcome of a code exchange, for `connector.js`. */
export interface Exchanged {
  /** Handle of the slot for the configuration with the new refresh token. */
  handle: number
  /** The new access token. */
  accessToken: string
  /** The new refresh token, which replaces the configured one. */
  refreshToken: string
}

/**
 * `freshBoard(): Float64Array | undefined` — the board over the engine's
 * memory (never freed), for the first JS environment that asks.
 */
export declare function freshBoard(): Float64Array | undefined

/**
 * A fresh token: cached, read from `store`, or from the one refresh all
 * concurrent callers share.
 */
export declare function getToken(handle: number, options: ExternalObject<unknown>, entryRead?: boolean | undefined | null): Promise<string>

/** HTTP settings of a `Connection`. */
export interface HttpOptions {
  /** Total time a token request may take, ms (default: `ZC_CONNECTOR_HTTP_TIMEOUT_MS`, else 30 000). */
  timeoutMs?: number
  /** PEM certificate(s) to trust besides the system's roots. */
  ca?: string
}

/**
 * How many distinct settings the process holds, kept or in use by a
 * connector (for tests: none outlives its last connector).
 */
export declare function internedSettingsCount(): number

/**
 * Drops `access_token` if it is the connector's current token (an API
 * rejected it); the next call refreshes. Returns whether it was current.
 */
export declare function invalidateToken(handle: number, accessToken: string): boolean

/** A store whose operations are the JS function `call(op, key, value, ttlSeconds)`. */
export declare function jsStore(name: string, call: (op: string, key: string, value: string, ttlSeconds: number) => Promise<string | null>, timeoutMs?: number): ExternalObject<unknown>

/**
 * Keeps the settings (but the refresh token) of the slot behind `handle`
 * and returns their id, dropping those kept under `replaced` (0: none);
 * 0 for an unknown handle (then only `replaced` is dropped: `handle` 0
 * forgets).
 */
export declare function keepSettings(handle: number, replaced: number): number

/** How many settings are kept, all environments together (for tests). */
export declare function keptSettingsCount(): number

/** Slots in the process (referenced, or unreferenced and still busy). */
export declare function liveSlots(): number

/** The memory-only store: the process-wide slot cache and nothing else. */
export declare function memoryStore(): ExternalObject<unknown>

/** A new PKCE code verifier (43 URL-safe characters). */
export declare function newCodeVerifier(): string

/**
 * Validates a connector's settings and returns the handle of the slot
 * shared by every connector with this configuration, carrying one
 * reference for the caller (see `releaseSlot`). `settings` is the JSON
 * array of the values of `FIELDS`, in that order (`null` for unset): one
 * string crosses instead of an object read property by property. `null`
 * settings are "not an object"; with `input_valid = false` it throws the
 * invalid-input error of the JS package.
 */
export declare function openConnector(name: string, settings: string | undefined | null, inputValid: boolean): number

/**
 * Opens (as `openConnector` does) the connector with the settings kept
 * under `id` and `refresh_token` (null or empty: none); 0 when nothing is
 * kept under `id` (open it with `openConnector`).
 */
export declare function openKept(id: number, refreshToken?: string | undefined | null): number

/**
 * `openConnector` for settings that are all common ones: `texts` holds
 * `client_id`, `client_secret`, `auth_url`, `refresh_url`, `refresh_token`,
 * `redirect_url` and `data_centre` in that order, separated by NULs (empty: unset), and
 * the lifetimes come as numbers (or unset). One string crosses, no JSON.
 * Returns 0, opening nothing, when a text holds a NUL, or U+FFFD (which is
 * also how a lone surrogate reads here): open those with `openConnector`.
 */
export declare function openPlain(name: string, texts: string, expiresIn?: number | undefined | null, refreshIn?: number | undefined | null): number

/**
 * `putAccessTokenInCache()`: writes the slot's current token to `store` and
 * returns the entry (rejects `app/NO_ACCESS_TOKEN` before the first token,
 * `app/STORE_UNAVAILABLE` when the write fails).
 */
export declare function persistToken(handle: number, options: ExternalObject<unknown>): Promise<CacheEntry>

/**
 * A new token from the provider (joining a refresh already in flight),
 * written to `store`.
 */
export declare function refreshToken(handle: number, options: ExternalObject<unknown>): Promise<string>

/**
 * Registers the JS class that errors are instances of. Called once by
 * `connector.js`; internal.
 */
export declare function registerErrorClass(errorClass: typeof CatalystConnectorError): void

/**
 * Gives back a reference taken by `openConnector`, `openKept` or
 * `exchangeCode`; returns whether the slot has none left (it is freed once
 * idle, and its handle may then be reused).
 */
export declare function releaseSlot(handle: number): boolean

/** Revokes the refresh token at the provider and clears the cached and stored tokens. */
export declare function revokeToken(handle: number, options: ExternalObject<unknown>): Promise<void>

/** Counters of the slot behind `handle`. */
export declare function slotStats(handle: number): ConnectorStats

/**
 * The key to read from the Connection's JS store on the JS thread, or
 * null when the miss goes native at once (no JS store, its reads backing
 * off, a refresh in flight, a failure being backed off, the entry already
 * read).
 */
export declare function storeReadKey(handle: number, options: ExternalObject<unknown>): string | null

/** The slot's last token, or null before the first one. */
export declare function tokenInfo(handle: number): TokenInfo | null

/** What the slot holds, for the `Connector` getters. */
export interface TokenInfo {
  /** The last access token, fresh or not. */
  accessToken: string
  /** When it stops being served, epoch ms. */
  expiresAt: number
  /** Its announced lifetime, seconds. */
  expiresIn: number
}

/** The access token of generation `generation`, or null if it was replaced. */
export declare function tokenOfGeneration(handle: number, generation: number): string | null

/**
 * The store named by `url` (`redis://…`, `file:///…`, `memory:`), opened once
 * per process; throws `app/INVALID_STORE` for a URL it cannot use.
 */
export declare function urlStore(url: string, keyPrefix?: string | undefined | null, timeoutMs?: number | undefined | null): ExternalObject<unknown>
