// ES module entry: the same classes as the CommonJS entry.
import connector from './connector.js';

export const { Connection, Connector, CatalystConnectorError } = connector;
export default connector;
