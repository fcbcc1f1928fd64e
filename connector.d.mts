// Types of the ES module entry (connector.mjs): the same API as connector.d.ts,
// which holds every declaration and its documentation.
import connector from './connector.js'

export * from './connector.js'
export default connector
