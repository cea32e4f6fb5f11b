//! WebSocket close codes the runtime itself sends (RFC 6455 §7.4), so a
//! test can tell a clean close from a lost connection or a restart.

pub use crate::runtime::{CLOSE_ABNORMAL, CLOSE_NORMAL, CLOSE_SERVICE_RESTART};
