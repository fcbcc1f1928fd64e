// Compiled with `tsc --noEmit` by `npm test`: proves the published typings.
import { Connection, Connector, CatalystConnectorError, createCodeVerifier, type CachedTokenEntry, type TokenStore } from 'zcatalyst-connector-rs'

async function main(): Promise<void> {
  const connection = new Connection({
    crm: {
      client_id: 'id',
      client_secret: 'secret',
      auth_url: 'https://accounts.zoho.com/oauth/v2/token',
      refresh_url: 'https://accounts.zoho.com/oauth/v2/token',
      refresh_token: 'rt',
      expires_in: 3600,
    },
  })
  const fromFile = new Connection('./connectors.json')
  const connector: Connector = connection.getConnector('crm')
  const token: string = await connector.getAccessToken()
  const expiresAt: number | null = connector.expiresAt
  connector.refreshToken = 'another'
  const entry: CachedTokenEntry = await connector.putAccessTokenInCache()
  const fresh: string = await connector.refreshAndPersistToken()
  await connector.refreshAccessToken()
  const generated: string = await connector.generateAccessToken('code')
  const name: string = fromFile.getComponentName() + connection.getComponentVersion()
  const hits: number = connector.stats().hits + connector.stats().storeErrors
  const entries = new Map<string, string>()
  const store: TokenStore = {
    get: (key) => entries.get(key) ?? null,
    put: async (key, value, ttlSeconds) => { entries.set(key, value); return ttlSeconds },
  }
  new Connection({}, { store, onTokens: (e) => console.log(e.connectorName, e.refreshToken.length) })
  const verifier: string = createCodeVerifier()
  const consent: string = connector.getAuthorizationUrl({ scope: 'a b', accessType: 'offline', codeVerifier: verifier })
  const viaCode: string = await connector.generateAccessToken('code', { codeVerifier: verifier })
  const response: Response = await connector.fetch('/crm/v6/Leads', { method: 'GET' })
  const dropped: boolean = connector.invalidate()
  await connector.revoke()
  new Connection({ g: { client_id: 'i', client_secret: 's', auth_url: 'https://o/t', refresh_url: 'https://o/t',
    token_endpoint_auth_method: 'client_secret_basic', token_params: { audience: 'x' }, authorization_scheme: 'Bearer' } })
  console.log(consent, viaCode, response.status, dropped)
  new Connection({}, { store: 'redis://127.0.0.1:6379/0', keyPrefix: 'app:', storeTimeoutMs: 500 })
  new Connection({}, { cache: () => ({ segment: () => ({ get: async (key: string) => ({ cache_value: key }), put: async () => null }) }) })
  try {
    connection.getConnector('missing')
  } catch (error) {
    if (error instanceof CatalystConnectorError) {
      const code: string = error.code
      const status: number = error.statusCode
      console.log(code, status, error.toJSON().message)
    }
  }
  console.log(token, expiresAt, entry.cache_name, fresh, generated, name, hits)
}

void main
