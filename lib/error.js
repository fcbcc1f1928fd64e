'use strict';
// The error class of zcatalyst-connector-rs, as @zcatalyst/connector shapes it.

/** The error every failure is reported with; `code` is stable. */
class CatalystConnectorError extends Error {
  #code;
  #value;
  #statusCode;

  constructor(code, message, value = null, statusCode = 400) {
    super(message);
    this.#code = code;
    this.#value = value;
    this.#statusCode = statusCode;
  }

  get name() {
    return 'CatalystConnectorError';
  }

  get code() {
    return this.#code;
  }

  get value() {
    return this.#value;
  }

  get statusCode() {
    return this.#statusCode;
  }

  toJSON() {
    return { code: this.#code, message: this.message, value: this.#value, statusCode: this.#statusCode };
  }

  toString() {
    return JSON.stringify(this.toJSON());
  }
}

module.exports = { CatalystConnectorError };
