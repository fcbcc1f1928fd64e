// Compiled with `tsc --noEmit` by `npm test`: the typings of the zcrmsdk subpath.
import ZCRMRestClient = require('zcatalyst-connector-rs/zcrmsdk')

async function main(): Promise<void> {
  await ZCRMRestClient.initialize({ client_id: '1000.X', client_secret: 's', redirect_url: 'https://app/cb', token_store: 'memory:' })
  const tokens = await ZCRMRestClient.generateAuthTokens('alice', '1000.grant')
  const expiry: number = tokens.expires_in
  const result = await ZCRMRestClient.API.MODULES.get({ module: 'Leads', params: { page: 1 }, user_identifier: 'alice' })
  if (typeof result !== 'string') {
    const status: number = result.statusCode
    const text: string = result.body
    void status; void text
  }
  await ZCRMRestClient.API.ATTACHMENTS.uploadFile({ module: 'Leads', id: '1', x_file_content: Buffer.from('x') })
  ZCRMRestClient.setUserIdentifier('bob')
  const user: string = ZCRMRestClient.getUserIdentifier()
  void expiry; void user
  await ZCRMRestClient.close()
}
void main
