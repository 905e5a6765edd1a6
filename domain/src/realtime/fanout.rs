//! Which rooms hear about an event: one table, so every API change publishes to the same places.

use super::protocol::RoomEvent;
use super::room::RoomName;

/// The rooms `event` is published to. People the event does not name (the customer of a work
/// order) are reached by the caller publishing a `Notification` to their `user:{id}` room.
pub fn rooms_for(event: &RoomEvent) -> Vec<RoomName> {
    use RoomEvent as E;
    match event {
        E::VehicleUpdated { vehicle_id, .. } => vec![RoomName::Vehicle(vehicle_id.clone())],
        // The customer follows their car in its work-order room; the workshop watches the board.
        E::WorkOrderTransitioned { work_order_id, location_id, .. }
        | E::WorkOrderUpdated { work_order_id, location_id, .. } => {
            vec![RoomName::WorkOrder(work_order_id.clone()), RoomName::Board(location_id.clone())]
        }
        E::BoardUpdated { location_id, .. } => vec![RoomName::Board(location_id.clone())],
        E::LeadCreated { lead_id, location_id, .. } => {
            vec![RoomName::Lead(lead_id.clone()), RoomName::Dashboard(location_id.clone())]
        }
        // The rep is alerted live in their own room.
        E::LeadAssigned { lead_id, rep_id, .. } => {
            vec![RoomName::Lead(lead_id.clone()), RoomName::User(rep_id.clone())]
        }
        // The lead's own room (its rep and customer) and the location's sales dashboard.
        E::LeadUpdated { lead_id, location_id, .. } => {
            vec![RoomName::Lead(lead_id.clone()), RoomName::Dashboard(location_id.clone())]
        }
        // Visits are personal data: they stay on the floor and never reach public vehicle rooms.
        E::Floor { showroom_id, .. } | E::Heatmap { showroom_id, .. } => {
            vec![RoomName::Showroom(showroom_id.clone())]
        }
        E::AnomalyRaised { anomaly_id, severity, .. } => {
            vec![RoomName::Anomalies(severity.as_str().to_owned()), RoomName::Anomaly(anomaly_id.clone())]
        }
        E::AnomalyUpdated { anomaly_id, severity, assignee_id, .. } => {
            let mut rooms =
                vec![RoomName::Anomalies(severity.as_str().to_owned()), RoomName::Anomaly(anomaly_id.clone())];
            rooms.extend(assignee_id.iter().map(|id| RoomName::User(id.clone())));
            rooms
        }
        E::PredictionReady { prediction_id, location_id, .. } => {
            vec![RoomName::Prediction(prediction_id.clone()), RoomName::Dashboard(location_id.clone())]
        }
        E::Notification { user_id, .. } => vec![RoomName::User(user_id.clone())],
        // Chat events are made by the chat room itself, never published from outside.
        E::ChatMessage { .. } | E::ChatMember { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realtime::protocol::{FloorActivity, Severity};

    fn names(event: &RoomEvent) -> Vec<String> {
        rooms_for(event).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_work_order_transition_reaches_its_room_and_the_board() {
        let event = RoomEvent::WorkOrderTransitioned {
            work_order_id: "wo-1".into(),
            location_id: "north".into(),
            from: "diagnosing".into(),
            to: "awaiting_approval".into(),
            by: "tech-1".into(),
            note: None,
            at_ms: 0,
        };
        assert_eq!(names(&event), ["workorder:wo-1", "board:north"]);
    }

    #[test]
    fn an_assigned_lead_alerts_the_rep() {
        let event =
            RoomEvent::LeadAssigned { lead_id: "l1".into(), location_id: "north".into(), rep_id: "rep-7".into() };
        assert_eq!(names(&event), ["lead:l1", "user:rep-7"]);
    }

    #[test]
    fn anomalies_go_to_their_severity_feed_and_their_own_room() {
        let event = RoomEvent::AnomalyRaised {
            anomaly_id: "an-1".into(),
            location_id: "north".into(),
            metric: "daily_sales".into(),
            severity: Severity::Critical,
            observed: 0.0,
            expected: 10.0,
        };
        assert_eq!(names(&event), ["anomalies:critical", "anomaly:an-1"]);
    }

    #[test]
    fn an_assigned_anomaly_also_reaches_the_assignee() {
        let event = RoomEvent::AnomalyUpdated {
            anomaly_id: "an-1".into(),
            location_id: "north".into(),
            severity: Severity::Low,
            status: "acknowledged".into(),
            assignee_id: Some("mgr-1".into()),
        };
        assert_eq!(names(&event), ["anomalies:low", "anomaly:an-1", "user:mgr-1"]);
    }

    #[test]
    fn floor_events_stay_on_the_floor() {
        // Public vehicle rooms are anonymous; visits are personal data and never go there.
        let event = RoomEvent::Floor {
            showroom_id: "s1".into(),
            visit_id: "v1".into(),
            activity: FloorActivity::Interest { vehicle_id: "veh-1".into(), level: 0.9 },
            at_ms: 0,
        };
        assert_eq!(names(&event), ["showroom:s1"]);
    }

    #[test]
    fn notifications_go_to_their_person_only() {
        let event = RoomEvent::Notification {
            notification_id: "n1".into(),
            user_id: "u9".into(),
            title: "Your car is ready".into(),
            body: "Collect it any time today".into(),
            link: None,
        };
        assert_eq!(names(&event), ["user:u9"]);
    }

    #[test]
    fn every_generated_room_name_is_valid() {
        let event = RoomEvent::PredictionReady {
            prediction_id: "p1".into(),
            location_id: "north".into(),
            model_version: "v1".into(),
            subject: "sales_weekly".into(),
            value: 12.0,
            lower: Some(9.0),
            upper: Some(15.0),
        };
        for name in names(&event) {
            assert!(RoomName::parse(&name).is_ok(), "{name}");
        }
    }
}
