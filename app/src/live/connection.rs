//! One room's WebSocket, reconnected with backoff and resumed from the last sequence number seen.
//!
//! Signed-in rooms get the access token as the first message (browsers cannot set headers on a
//! WebSocket); what the person sends while the connection is down waits in an [`Outbox`] and
//! goes out, in order, once the room welcomes us again.

use super::backoff;
use super::outbox::Outbox;
use crate::api;
use forecourt_domain::realtime::protocol::ClientMessage;
use forecourt_domain::realtime::ServerMessage;
use gloo_timers::callback::{Interval, Timeout};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// What the person sees about the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    /// First attempt, nothing received yet.
    Connecting,
    /// The room welcomed us; updates arrive as they happen.
    Live,
    /// The connection dropped; a retry is scheduled or under way.
    Reconnecting,
}

/// Keeps a room subscription alive until dropped (or [`RoomConnection::close`]d).
pub struct RoomConnection {
    inner: Rc<RefCell<Inner>>,
}

/// Proxies and mobile networks drop idle sockets; the edge answers a ping with a pong.
const HEARTBEAT_MS: u32 = 25_000;

type Deliver = Rc<dyn Fn(ServerMessage)>;
type Report = Rc<dyn Fn(LiveStatus)>;

struct Inner {
    room: String,
    deliver: Deliver,
    report: Report,
    socket: Option<Socket>,
    retry: Option<Timeout>,
    /// Retries since the last welcome; drives the backoff.
    attempt: u32,
    /// The newest event sequence number this client has, sent as `after` when reconnecting.
    last_seq: Option<u64>,
    /// The room's newest sequence number when it last welcomed us.
    welcomed_at: u64,
    closed: bool,
    /// Coming back online should not wait out a 30 s backoff.
    on_online: Option<Closure<dyn FnMut()>>,
    /// Gives the current access token for rooms that are not public (it may have been refreshed
    /// since the last connection).
    token: Option<TokenSource>,
    /// Welcomed on the current socket: messages can go out directly.
    live: bool,
    outbox: Outbox,
}

type TokenSource = Rc<dyn Fn() -> Option<String>>;

/// A socket and the callbacks it holds: they must live exactly as long as the socket.
struct Socket {
    ws: WebSocket,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
    heartbeat: Option<Interval>,
}

impl Socket {
    fn shut(self) {
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

impl RoomConnection {
    /// Joins `room` (e.g. `vehicle:veh-00001`). `deliver` gets every server message in order;
    /// `report` gets every change of [`LiveStatus`].
    pub fn open(
        room: String,
        deliver: impl Fn(ServerMessage) + 'static,
        report: impl Fn(LiveStatus) + 'static,
    ) -> Self {
        Self::open_inner(room, None, deliver, report)
    }

    /// Joins a room that needs a signed-in person; `token` is asked for the access token on
    /// every (re)connect, so a refreshed token is used.
    pub fn open_signed_in(
        room: String,
        token: impl Fn() -> Option<String> + 'static,
        deliver: impl Fn(ServerMessage) + 'static,
        report: impl Fn(LiveStatus) + 'static,
    ) -> Self {
        Self::open_inner(room, Some(Rc::new(token)), deliver, report)
    }

    fn open_inner(
        room: String,
        token: Option<TokenSource>,
        deliver: impl Fn(ServerMessage) + 'static,
        report: impl Fn(LiveStatus) + 'static,
    ) -> Self {
        let inner = Rc::new(RefCell::new(Inner {
            room,
            deliver: Rc::new(deliver),
            report: Rc::new(report),
            socket: None,
            retry: None,
            attempt: 0,
            last_seq: None,
            welcomed_at: 0,
            closed: false,
            on_online: None,
            token,
            live: false,
            outbox: Outbox::default(),
        }));
        watch_online(&inner);
        let report = inner.borrow().report.clone();
        report(LiveStatus::Connecting);
        connect(&inner);
        Self { inner }
    }

    /// Sends `message` now when live, or keeps it until the room welcomes us again.
    pub fn send(&self, message: ClientMessage) {
        let mut inner = self.inner.borrow_mut();
        let socket = inner.socket.as_ref().map(|s| s.ws.clone());
        match socket.filter(|ws| inner.live && ws.ready_state() == WebSocket::OPEN) {
            Some(ws) => {
                // Kept until acknowledged, in case the socket drops before the room has it.
                inner.outbox.sent_live(&message);
                if let Ok(text) = serde_json::to_string(&message) {
                    let _ = ws.send_with_str(&text);
                }
            }
            None => inner.outbox.push(message),
        }
    }

    /// How many messages wait for the connection (for a "will send when online" hint).
    pub fn pending(&self) -> usize {
        self.inner.borrow().outbox.len()
    }

    pub fn close(&self) {
        let mut inner = self.inner.borrow_mut();
        inner.closed = true;
        inner.retry = None;
        if let Some(socket) = inner.socket.take() {
            socket.shut();
        }
        if let (Some(listener), Some(window)) = (inner.on_online.take(), web_sys::window()) {
            let _ = window.remove_event_listener_with_callback("online", listener.as_ref().unchecked_ref());
        }
    }
}

impl Drop for RoomConnection {
    fn drop(&mut self) {
        self.close();
    }
}

fn connect(this: &Rc<RefCell<Inner>>) {
    let url = {
        let inner = this.borrow();
        if inner.closed {
            return;
        }
        api::room_url(&inner.room, inner.last_seq)
    };
    let Some(ws) = url.and_then(|url| WebSocket::new(&url).ok()) else {
        schedule_retry(this);
        return;
    };

    let weak = Rc::downgrade(this);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if let (Some(this), Some(text)) = (weak.upgrade(), event.data().as_string()) {
            receive(&this, &text);
        }
    });
    let weak = Rc::downgrade(this);
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_: CloseEvent| {
        if let Some(this) = weak.upgrade() {
            dropped(&this);
        }
    });
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // A failed handshake fires `error` and then `close`, so `close` alone drives the retries.
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    this.borrow_mut().socket = Some(Socket { ws, _on_message: on_message, _on_close: on_close, heartbeat: None });
}

fn receive(this: &Rc<RefCell<Inner>>, text: &str) {
    let Ok(message) = serde_json::from_str::<ServerMessage>(text) else {
        leptos::logging::warn!("ignoring a room message this app does not understand: {text}");
        return;
    };
    let (deliver, report, welcomed) = {
        let mut inner = this.borrow_mut();
        let welcomed = matches!(message, ServerMessage::Welcome { .. });
        match &message {
            ServerMessage::AuthRequired { .. } => {
                let token = inner.token.as_ref().and_then(|source| source());
                match (token, inner.socket.as_ref()) {
                    (Some(token), Some(socket)) => {
                        let auth = ClientMessage::Auth { token };
                        if let Ok(text) = serde_json::to_string(&auth) {
                            let _ = socket.ws.send_with_str(&text);
                        }
                    }
                    // Nobody is signed in: the room will close us; the backoff retries later.
                    _ => leptos::logging::warn!("room {} needs a signed-in person", inner.room),
                }
            }
            ServerMessage::Welcome { last_seq, .. } => {
                inner.attempt = 0;
                inner.live = true;
                let queued = inner.outbox.flush();
                if let Some(socket) = inner.socket.as_ref() {
                    for message in queued {
                        if let Ok(text) = serde_json::to_string(&message) {
                            let _ = socket.ws.send_with_str(&text);
                        }
                    }
                }
                inner.welcomed_at = *last_seq;
                // A new subscriber starts from now; a resuming one keeps its place so the
                // replay that follows the welcome is not skipped.
                inner.last_seq.get_or_insert(*last_seq);
                start_heartbeat(&mut inner);
            }
            ServerMessage::Event { seq, .. } => {
                inner.last_seq = Some(inner.last_seq.map_or(*seq, |last| last.max(*seq)));
            }
            ServerMessage::ResyncRequired { .. } => {
                // The app refetches over HTTP; from here on, follow the room from its present.
                inner.last_seq = Some(inner.welcomed_at);
            }
            ServerMessage::Ack { id, .. } => inner.outbox.acknowledged(id),
            // Presence, typing, unread counts, history and errors are for the page to show.
            ServerMessage::Presence { .. }
            | ServerMessage::Typing { .. }
            | ServerMessage::Unread { .. }
            | ServerMessage::History { .. }
            | ServerMessage::Pong
            | ServerMessage::Error { .. } => {}
        }
        (inner.deliver.clone(), inner.report.clone(), welcomed)
    };
    // Callbacks run with no borrow held: they may update signals that read this connection.
    if welcomed {
        report(LiveStatus::Live);
    }
    deliver(message);
}

fn start_heartbeat(inner: &mut Inner) {
    let Some(socket) = inner.socket.as_mut() else {
        return;
    };
    let ws = socket.ws.clone();
    let ping = serde_json::to_string(&ClientMessage::Ping).unwrap_or_default();
    socket.heartbeat = Some(Interval::new(HEARTBEAT_MS, move || {
        if ws.ready_state() == WebSocket::OPEN {
            let _ = ws.send_with_str(&ping);
        }
    }));
}

fn dropped(this: &Rc<RefCell<Inner>>) {
    let report = {
        let mut inner = this.borrow_mut();
        inner.live = false;
        if let Some(socket) = inner.socket.take() {
            socket.shut();
        }
        if inner.closed {
            return;
        }
        inner.report.clone()
    };
    report(LiveStatus::Reconnecting);
    schedule_retry(this);
}

fn schedule_retry(this: &Rc<RefCell<Inner>>) {
    let mut inner = this.borrow_mut();
    if inner.closed {
        return;
    }
    let wait = backoff::delay(inner.attempt, js_sys::Math::random());
    inner.attempt = inner.attempt.saturating_add(1);
    let weak: Weak<RefCell<Inner>> = Rc::downgrade(this);
    let millis = u32::try_from(wait.as_millis()).unwrap_or(u32::MAX);
    inner.retry = Some(Timeout::new(millis, move || {
        if let Some(this) = weak.upgrade() {
            this.borrow_mut().retry = None;
            connect(&this);
        }
    }));
}

fn watch_online(this: &Rc<RefCell<Inner>>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let weak = Rc::downgrade(this);
    let listener = Closure::<dyn FnMut()>::new(move || {
        let Some(this) = weak.upgrade() else { return };
        let waiting = {
            let mut inner = this.borrow_mut();
            let waiting = inner.socket.is_none() && inner.retry.is_some();
            if waiting {
                inner.retry = None;
                inner.attempt = 0;
            }
            waiting
        };
        if waiting {
            connect(&this);
        }
    });
    if window.add_event_listener_with_callback("online", listener.as_ref().unchecked_ref()).is_ok() {
        this.borrow_mut().on_online = Some(listener);
    }
}
