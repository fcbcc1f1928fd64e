// Compiled with `tsc --noEmit` by `npm test`: the typings of issue 14's API
// (argument orders, connection(), options, events, AbortSignal).
import { patched } from 'zcatalyst-connector-rs/register'
import { Connection, connection, CatalystConnectorError, type RefreshEvent, type RotatedTokensEvent, type ConnectorLogger } from 'zcatalyst-connector-rs'

declare const app: { cache(): { segment(): { get(key: string): unknown; put(key: string, value: string, hours: number): unknown } } }

async function fits(): Promise<void> {
  const json = { crm: { client_id: 'id', client_secret: 's', data_centre: 'eu' as const, refresh_token: 'rt' } }
  const sdkOrder = new Connection(app, json)
  const ours = new Connection(json, app, { refreshAhead: false })
  const made: Connection = connection(app, json)
  const logger: ConnectorLogger = console
  const withOptions = new Connection(json, { logger, ca: '-----BEGIN CERTIFICATE-----', timeoutMs: 5000 })
  withOptions
    .on('refresh', (event: RefreshEvent) => { const ms: number = event.durationMs; void ms })
    .on('error', (error: CatalystConnectorError) => { const code: string = error.code; void code })
    .once('tokens', (event: RotatedTokensEvent) => { void event.refreshToken })
  const token: string = await sdkOrder.getConnector('crm').getAccessToken({ signal: AbortSignal.timeout(200) })
  const response = await ours.getConnector('crm').fetch('/crm/v6/org', { signal: AbortSignal.timeout(1000) })
  const files: string[] = patched
  void token; void response; void made; void files
  // @ts-expect-error unknown options are not options
  new Connection(json, { retries: 3 })
}
void fits
