//! The `js_chat` example: the chat room written in TypeScript
//! (`examples/js/chat.ts`: hibernatable WebSockets, names in attachments,
//! history in SQL), checked by the Rust chat's own workload; and its twin
//! that keeps names in a `Map` in memory (`examples/js/chat_memory_names.ts`).

use dosim::js::{JsModule, JsObject};
use dosim::{Result, Sim, Stub};

use crate::chat::{self, RoomRpc};

/// The TypeScript chat room.
pub const CHAT_TS: &str = include_str!("../../examples/js/chat.ts");

/// Its twin that forgets names when it hibernates.
pub const CHAT_MEMORY_NAMES_TS: &str = include_str!("../../examples/js/chat_memory_names.ts");

impl RoomRpc for Stub<JsObject> {}

/// The chat workload on the class `ChatRoom` of the TypeScript module
/// `source`, bound as `ROOM`.
pub async fn workload(sim: Sim, name: &str, source: &str) -> Result<()> {
    let module = JsModule::typescript(name, source)?;
    sim.register_js("ROOM", &module, "ChatRoom")?;
    chat::workload::<JsObject>(sim).await
}
