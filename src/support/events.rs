//! Diagnostic events (refreshes, failures, store outages, lock waits) for the
//! application's logger: a slot hands them to its listener (the binding
//! forwards them to the Connection's logger, `DEBUG` and `connection.on`).
//! Nothing is printed here.

/// How much an event matters, as loggers name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Routine: a refresh started or succeeded, a lock wait.
    Debug,
    /// Worth a line in a normal log: a store answers again, a rotation.
    Info,
    /// Something failed and is being worked around.
    Warn,
}

/// One event. Fields never hold secrets (tokens, client secrets, keys).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `refresh`, `refresh_failed`, `store_error`, `store_recovered`,
    /// `lock_wait`, `lock_takeover`, `tokens`.
    pub kind: &'static str,
    /// The level a logger should use.
    pub level: Level,
    /// The connector's name, when the event is about one.
    pub connector: Option<String>,
    /// A sentence for humans.
    pub message: String,
    /// Named numbers (durations in ms, attempt counts, HTTP statuses).
    pub numbers: Vec<(&'static str, f64)>,
    /// Named texts (error codes, store names).
    pub texts: Vec<(&'static str, String)>,
}

impl Event {
    /// An event of `kind` at `level` saying `message`.
    pub fn new(kind: &'static str, level: Level, message: impl Into<String>) -> Self {
        Event {
            kind,
            level,
            connector: None,
            message: message.into(),
            numbers: Vec::new(),
            texts: Vec::new(),
        }
    }

    /// The same event about connector `name`.
    pub fn connector(mut self, name: &str) -> Self {
        self.connector = Some(name.to_owned());
        self
    }

    /// Adds a number.
    pub fn number(mut self, name: &'static str, value: f64) -> Self {
        self.numbers.push((name, value));
        self
    }

    /// Adds a text.
    pub fn text(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.texts.push((name, value.into()));
        self
    }
}
