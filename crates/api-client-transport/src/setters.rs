//! The knob setters every API crate's builder shares, written once so that
//! the same setting has the same name, type and meaning in every client.

/// Expands to the [`ClientConfig`](crate::ClientConfig) setters of an API
/// crate's builder whose field `$field` holds the configuration.
///
/// Not public API: API crates of this workspace invoke it inside their
/// builder's `impl` block; the crate's own docs state its defaults. Proxy and
/// TLS setters are not included: only the crates that may use them add them.
#[doc(hidden)]
#[macro_export]
macro_rules! __config_setters {
    ($field:ident) => {
        /// Bound on opening a connection (`ClientConfig::connect_timeout`).
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field.connect_timeout = timeout;
            self
        }

        /// One deadline per attempt of a buffered call, covering the answer's
        /// head and its whole body (`ClientConfig::timeout`); a body that
        /// stalls fails with a timeout error instead of hanging.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field.timeout = timeout;
            self
        }

        /// Bound on waiting for the head of a streamed answer
        /// (`ClientConfig::stream_head_timeout`).
        pub fn stream_head_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field.stream_head_timeout = timeout;
            self
        }

        /// Longest silence allowed between two chunks of a streamed answer
        /// (`ClientConfig::stream_idle_timeout`); `None` allows any.
        pub fn stream_idle_timeout(mut self, timeout: Option<::std::time::Duration>) -> Self {
            self.$field.stream_idle_timeout = timeout;
            self
        }

        /// How long an idle pooled connection is kept
        /// (`ClientConfig::pool_idle_timeout`).
        pub fn pool_idle_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field.pool_idle_timeout = timeout;
            self
        }

        /// When and how often a failed attempt is tried again
        /// (`ClientConfig::retry`). Which calls it applies to is the crate's
        /// retry table.
        pub fn retry(mut self, policy: $crate::RetryPolicy) -> Self {
            self.$field.retry = policy;
            self
        }

        /// The `User-Agent` header (`ClientConfig::user_agent`; default
        /// `<crate>/<version>`).
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.$field.user_agent = user_agent.into();
            self
        }

        /// Most bytes of an answer read whole (`ClientConfig::max_body_bytes`);
        /// a bigger answer is a limit error naming `max_body_bytes`.
        pub fn max_body_bytes(mut self, bytes: usize) -> Self {
            self.$field.max_body_bytes = bytes;
            self
        }

        /// Most bytes of one frame or line of a streamed answer
        /// (`ClientConfig::max_frame_bytes`).
        pub fn max_frame_bytes(mut self, bytes: usize) -> Self {
            self.$field.max_frame_bytes = bytes;
            self
        }

        /// Most bytes of an error answer read for its message and problem
        /// document (`ClientConfig::max_error_body_bytes`).
        pub fn max_error_body_bytes(mut self, bytes: usize) -> Self {
            self.$field.max_error_body_bytes = bytes;
            self
        }

        /// Whether requests are checked against the API's rules before they
        /// are sent (`ClientConfig::validate_requests`, default `true`).
        pub fn validate_requests(mut self, on: bool) -> Self {
            self.$field.validate_requests = on;
            self
        }

        /// The configuration so far: every knob above, with this crate's defaults.
        pub fn config(&self) -> &$crate::ClientConfig {
            &self.$field
        }
    };
}
