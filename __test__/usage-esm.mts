// Compiled by `npm run test:types` (no DOM, `types: ["node"]`, strict): the
// ES module entry's typings give the same API as the CommonJS ones.
import connector, { Connection, CatalystConnectorError, type ConnectorSettings } from 'zcatalyst-connector-rs'

// A Zoho data centre replaces the token URLs.
const crm: ConnectorSettings = { client_id: '1000.X', client_secret: 's', data_centre: 'eu', refresh_token: '1000.r' }
const connection = new Connection({ crm })
const token: string = await connection.getConnector('crm').getAccessToken()
const same: typeof Connection = connector.Connection
const error = new CatalystConnectorError('app/OAUTH_ERROR', 'refused')
console.log(token, same === Connection, error.code)
