//! The vehicle room's updates, as signals a page can show.

use crate::live::{LiveStatus, RoomConnection};
use forecourt_domain::realtime::{RoomEvent, ServerMessage};
use forecourt_domain::{Money, VehicleStatus};
use leptos::prelude::*;
use send_wrapper::SendWrapper;

/// The newest price and status the room announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveUpdate {
    pub price: Money,
    pub status: VehicleStatus,
    pub version: i64,
}

/// Joins `vehicle:{id}` for as long as the calling component lives.
///
/// `on_resync` runs when the room can no longer replay what was missed, so the page refetches.
pub fn follow_vehicle(
    id: &str,
    on_resync: impl Fn() + 'static,
) -> (ReadSignal<Option<LiveUpdate>>, ReadSignal<LiveStatus>) {
    let (latest, set_latest) = signal(None::<LiveUpdate>);
    let (status, set_status) = signal(LiveStatus::Connecting);
    let own_id = id.to_owned();
    let deliver = move |message: ServerMessage| match message {
        ServerMessage::Event { event: RoomEvent::VehicleUpdated { vehicle_id, price, status, version }, .. }
            if vehicle_id == own_id =>
        {
            // Events can overtake each other across a reconnect; never step back a version.
            set_latest.update(|latest| {
                if latest.is_none_or(|seen| version > seen.version) {
                    *latest = Some(LiveUpdate { price, status, version });
                }
            });
        }
        ServerMessage::ResyncRequired { .. } => on_resync(),
        _ => {}
    };
    let connection = RoomConnection::open(format!("vehicle:{id}"), deliver, move |s| set_status.set(s));
    let connection = SendWrapper::new(connection);
    on_cleanup(move || connection.close());
    (latest, status)
}

#[component]
pub fn LiveBadge(status: ReadSignal<LiveStatus>) -> impl IntoView {
    let label = move || match status.get() {
        LiveStatus::Connecting => "Connecting…",
        LiveStatus::Live => "Live",
        LiveStatus::Reconnecting => "Reconnecting…",
    };
    let class = move || match status.get() {
        LiveStatus::Live => "live live-on",
        _ => "live live-off",
    };
    view! {
        <span class=class data-testid="live-status" role="status" title="Price updates as it changes">
            <span class="live-dot" aria-hidden="true"></span>
            {label}
        </span>
    }
}
