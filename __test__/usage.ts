// Compiled with `tsc --noEmit` by `npm test`: proves the published typings.
import { Connection, Connector, CatalystConnectorError, type CachedTokenEntry } from 'zcatalyst-connector-rs'

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
  const hits: number = connector.stats().hits
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
