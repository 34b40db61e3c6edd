//! What `shelf push` captures and reads besides the files: metrics and params files,
//! the environment, the code, with credentials redacted.

pub mod code;
pub mod environment;
pub mod redact;
pub mod values;
