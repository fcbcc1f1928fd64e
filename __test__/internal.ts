// Compiled by `npm run test:types`: the native functions connector.js is built
// on are internal, and the public typings must not offer them. Each
// `@ts-expect-error` fails the compilation if its line stops being an error.

// @ts-expect-error getToken is internal
import { getToken } from 'zcatalyst-connector-rs'
// @ts-expect-error openConnector is internal
import { openConnector } from 'zcatalyst-connector-rs'
// @ts-expect-error registerErrorClass is internal
import { registerErrorClass } from 'zcatalyst-connector-rs'
import { Connection, type ConnectorSettings } from 'zcatalyst-connector-rs'

// Explicit URLs or a data centre are required: neither is a type error.
// @ts-expect-error auth_url and refresh_url are missing and there is no data_centre
const incomplete: ConnectorSettings = { client_id: 'i', client_secret: 's' }
// @ts-expect-error not a Zoho data centre
const unknownDc: ConnectorSettings = { client_id: 'i', client_secret: 's', data_centre: 'mars' }
// @ts-expect-error a misspelled setting is caught
new Connection({ crm: { client_id: 'i', client_secret: 's', data_centre: 'us', refresh_tokn: 'r' } })
// @ts-expect-error connectors come from getConnector(), not a constructor
new (require('zcatalyst-connector-rs').Connector as typeof import('zcatalyst-connector-rs').Connector)()

console.log(getToken, openConnector, registerErrorClass, incomplete, unknownDc)
