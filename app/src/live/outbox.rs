//! Messages a person sends to a room while the connection is down, sent once it is back.
//!
//! Chat messages carry an id the room deduplicates on, so they stay here until the room
//! acknowledges them: a message sent just before the network dropped is resent after the
//! reconnect and still appears once. Typing signals are never queued (stale by the time they
//! would arrive); of presence changes only the newest matters.

use forecourt_domain::realtime::ClientMessage;
use std::collections::VecDeque;

/// More than this many unsent messages means something is wrong; the oldest are dropped.
pub const CAPACITY: usize = 200;

#[derive(Debug, Default)]
pub struct Outbox {
    waiting: VecDeque<ClientMessage>,
}

impl Outbox {
    /// Keeps `message` for the next flush (or drops it, when it would be stale by then).
    pub fn push(&mut self, message: ClientMessage) {
        match &message {
            ClientMessage::Typing | ClientMessage::Ping | ClientMessage::Auth { .. } => return,
            ClientMessage::Presence { .. } => {
                self.waiting.retain(|m| !matches!(m, ClientMessage::Presence { .. }));
            }
            _ => {}
        }
        if self.waiting.len() == CAPACITY {
            self.waiting.pop_front();
        }
        self.waiting.push_back(message);
    }

    /// What to send now that the room welcomed us, in the order it was written. Messages with
    /// an id stay until acknowledged; the rest leave the outbox.
    pub fn flush(&mut self) -> Vec<ClientMessage> {
        let out: Vec<ClientMessage> = self.waiting.iter().cloned().collect();
        self.waiting.retain(|m| m.id().is_some());
        out
    }

    /// Records that the room sent a message with this id into the outbox while live.
    pub fn sent_live(&mut self, message: &ClientMessage) {
        if message.id().is_some() {
            self.push(message.clone());
        }
    }

    /// The room applied the message with `id`: it never needs sending again.
    pub fn acknowledged(&mut self, id: &str) {
        self.waiting.retain(|m| m.id() != Some(id));
    }

    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forecourt_domain::realtime::presence::PresenceStatus;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn chat(id: &str) -> ClientMessage {
        ClientMessage::Send { id: id.into(), body: "hello".into() }
    }

    #[wasm_bindgen_test]
    fn queued_messages_flush_in_order() {
        let mut outbox = Outbox::default();
        outbox.push(chat("a"));
        outbox.push(ClientMessage::Read { seq: 3 });
        outbox.push(chat("b"));
        assert_eq!(outbox.flush(), vec![chat("a"), ClientMessage::Read { seq: 3 }, chat("b")]);
    }

    #[wasm_bindgen_test]
    fn chat_messages_stay_until_acknowledged() {
        let mut outbox = Outbox::default();
        outbox.push(chat("a"));
        outbox.push(ClientMessage::Read { seq: 3 });
        outbox.flush();
        assert_eq!(outbox.flush(), vec![chat("a")], "resent after the next reconnect");
        outbox.acknowledged("a");
        assert!(outbox.is_empty());
    }

    #[wasm_bindgen_test]
    fn typing_is_never_queued_and_only_the_newest_presence_is() {
        let mut outbox = Outbox::default();
        outbox.push(ClientMessage::Typing);
        outbox.push(ClientMessage::Presence { status: PresenceStatus::Away });
        outbox.push(ClientMessage::Presence { status: PresenceStatus::Online });
        assert_eq!(outbox.flush(), vec![ClientMessage::Presence { status: PresenceStatus::Online }]);
    }

    #[wasm_bindgen_test]
    fn the_outbox_is_bounded() {
        let mut outbox = Outbox::default();
        for n in 0..CAPACITY + 5 {
            outbox.push(chat(&n.to_string()));
        }
        assert_eq!(outbox.len(), CAPACITY);
        assert_eq!(outbox.flush().first(), Some(&chat("5")));
    }
}
