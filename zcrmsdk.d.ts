// Typings of `zcatalyst-connector-rs/zcrmsdk`: the legacy Zoho CRM Node SDK's
// surface (zcrmsdk 0.0.20) on this package's token engine. See docs/zcrmsdk.md.
import type { ReadStream } from 'node:fs'
import type { CatalystConnectorError as ConnectorError } from './connector'

declare namespace ZCRMRestClient {
  /** A row a `tokenmanagement` module stores per user; `expires_in` is the expiry, epoch ms. */
  export interface OAuthTokens {
    access_token: string
    refresh_token?: string
    expires_in: number
    user_identifier?: string
  }

  /** The documented legacy row shape, also accepted from `getOAuthTokens`. */
  export interface OAuthTokenRow {
    accesstoken: string
    refreshtoken: string
    expirytime: number
  }

  /** A custom store, as the legacy calls it (`tokenmanagement`). */
  export interface TokenManagement {
    getOAuthTokens(user_identifier: string): Promise<OAuthTokens | OAuthTokenRow[] | [] | null | undefined> | OAuthTokens | null
    saveOAuthTokens(tokens: OAuthTokens & { user_identifier: string; refresh_token: string }): Promise<unknown> | unknown
    /** After a refresh: `{ access_token, expires_in, user_identifier, refresh_token }`. */
    updateOAuthTokens(tokens: OAuthTokens & { user_identifier: string; refresh_token: string }): Promise<unknown> | unknown
  }

  export interface ZCRMConfig {
    client_id: string
    client_secret: string
    redirect_url: string
    /** `host[:port]` (https) or an origin; default `accounts.zoho.com`. */
    iamurl?: string
    /** `host[:port]` (https) or an origin; default: the token answer's `api_domain`, else `www.zohoapis.com`. */
    base_url?: string
    /** default `v2` */
    version?: string
    /** default `zcrm_default_user` */
    user_identifier?: string
    /** a module path (relative to the working directory), a package name, or the module object */
    tokenmanagement?: string | TokenManagement
    /** our stores instead of MySQL: `memory:`, `file:///abs/path.json`, `redis://host:port/db` */
    token_store?: string
    mysql_username?: string
    mysql_password?: string
    /** default `localhost` */
    mysql_host?: string
    /** default 3306 */
    mysql_port?: number
    /** bound of every HTTP request and store operation, default 30000 */
    timeout_ms?: number
  }

  /** What every API operation takes. */
  export interface APIInput {
    module?: string
    id?: string | number
    relatedId?: string | number
    api_name?: string
    params?: Record<string, string | number | boolean>
    headers?: Record<string, string>
    body?: unknown
    x_file_content?: ReadStream | Buffer | NodeJS.ReadableStream | string
    /** the user whose token the call uses (default: the current user) */
    user_identifier?: string
  }

  /** The result of a call with any HTTP status but 204. */
  export interface APIResponse {
    statusCode: number
    statusMessage: string
    /** lower-case names */
    headers: Record<string, string | string[] | undefined>
    rawHeaders: string[]
    /** UTF-8 text; for downloads, the bytes as a latin1 string */
    body: string
    /** downloads only: from `content-disposition` */
    filename?: string
    request: { method: string; uri: string }
  }

  /** 204 resolves the string `'{"message":"no data","status_code":"204"}'`, as the legacy. */
  export type APIResult = APIResponse | string

  export type Operation = (input?: APIInput) => Promise<APIResult>

  export interface API {
    ORG: { get: Operation }
    MODULES: {
      get: Operation; post: Operation; put: Operation; delete: Operation
      getAllDeletedRecords: Operation; getRecycleBinRecords: Operation; getPermanentlyDeletedRecords: Operation
      search: Operation
    }
    SETTINGS: {
      getFields: Operation; getLayouts: Operation; getCustomViews: Operation; updateCustomViews: Operation
      getModules: Operation; getRoles: Operation; getProfiles: Operation; getRelatedLists: Operation
    }
    ACTIONS: { convert: Operation }
    USERS: { get: Operation }
    ATTACHMENTS: {
      uploadFile: Operation; deleteFile: Operation; downloadFile: Operation; uploadLink: Operation
      uploadPhoto: Operation; downloadPhoto: Operation; deletePhoto: Operation
    }
    FUNCTIONS: { executeFunctionsInGet: Operation; executeFunctionsInPost: Operation }
  }

  export interface GeneratedTokens {
    access_token: string
    refresh_token: string
    expires_in: number
    user_identifier: string
  }
}

declare const ZCRMRestClient: {
  initialize(config?: ZCRMRestClient.ZCRMConfig): Promise<void>
  initializeWithValues(config: ZCRMRestClient.ZCRMConfig): void
  generateAuthTokens(user_identifier: string | null | undefined, grant_token: string): Promise<ZCRMRestClient.GeneratedTokens>
  generateAuthTokenfromRefreshToken(user_identifier: string | null | undefined, refresh_token: string): Promise<ZCRMRestClient.GeneratedTokens>
  getConfig(grant_token: string): Record<string, string>
  getConfig_refresh(refresh_token: string): Record<string, string>
  parseAndConstructObject(response: { body: string | object }): Partial<ZCRMRestClient.OAuthTokens>
  setClientId(value: string): void
  setClientSecret(value: string): void
  setRedirectURL(value: string): void
  setUserIdentifier(value: string): void
  setIAMUrl(value: string): void
  setBaseURL(value: string): void
  getClientId(): string | null
  getClientSecret(): string | null
  getRedirectURL(): string | null
  getUserIdentifier(): string
  getPersistenceModule(): string | ZCRMRestClient.TokenManagement
  getAPIURL(): string
  getVersion(): string
  getIAMUrl(): string
  getMySQLUserName(): string | number
  getMYSQLPassword(): string | number
  /** Closes the store's connections (MySQL pool, Redis); not in the legacy SDK. */
  close(): Promise<void>
  API: ZCRMRestClient.API
  CatalystConnectorError: typeof ConnectorError
}

export = ZCRMRestClient
