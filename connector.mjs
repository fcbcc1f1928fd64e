// ES module entry: the same classes as the CommonJS entry.
import connector from './connector.js';

export const { Connection, Connector, CatalystConnectorError, createCodeVerifier, connection } = connector;
export default connector;
