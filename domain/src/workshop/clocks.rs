//! Technician clocks: a shift on/off, and job on/off inside it. Billed hours (what the customer
//! pays for) against actual hours (what the clocks recorded) give a job's efficiency.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClockError {
    #[error("clock on for your shift before clocking on to a job")]
    NoShift,
    #[error("only the technician assigned to this job may clock on to it")]
    NotYourJob,
    #[error("you are already clocked on to job {0}; clock off it first")]
    OtherJobOpen(String),
    #[error("you are already clocked on to this job")]
    AlreadyOn,
    #[error("you are not clocked on to this job")]
    NotOn,
    #[error("you are already on shift")]
    ShiftAlreadyOn,
    #[error("you are not on shift")]
    ShiftNotOn,
    #[error("clock off your job ({0}) before ending your shift")]
    JobStillOpen(String),
    #[error("this job is {0}; clocks run only while a job is in the workshop")]
    JobNotActive(String),
}

/// What a technician has open right now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenClocks {
    pub shift: bool,
    pub job: Option<String>,
}

/// Statuses in which a technician may be clocked on to a job.
pub fn job_accepts_clocks(status: &str) -> bool {
    matches!(status, "checked_in" | "diagnosing" | "awaiting_approval" | "in_progress" | "quality_check")
}

pub fn shift_on(open: &OpenClocks) -> Result<(), ClockError> {
    if open.shift {
        return Err(ClockError::ShiftAlreadyOn);
    }
    Ok(())
}

pub fn shift_off(open: &OpenClocks) -> Result<(), ClockError> {
    if !open.shift {
        return Err(ClockError::ShiftNotOn);
    }
    if let Some(job) = &open.job {
        return Err(ClockError::JobStillOpen(job.clone()));
    }
    Ok(())
}

/// Clocking on to `job`: assigned to this technician, in the workshop, inside a shift, and no
/// other job open (one pair of hands, one job).
pub fn job_on(open: &OpenClocks, job: &str, assigned_to_me: bool, status: &str) -> Result<(), ClockError> {
    if !assigned_to_me {
        return Err(ClockError::NotYourJob);
    }
    if !job_accepts_clocks(status) {
        return Err(ClockError::JobNotActive(status.to_owned()));
    }
    if !open.shift {
        return Err(ClockError::NoShift);
    }
    match &open.job {
        Some(current) if current == job => Err(ClockError::AlreadyOn),
        Some(current) => Err(ClockError::OtherJobOpen(current.clone())),
        None => Ok(()),
    }
}

pub fn job_off(open: &OpenClocks, job: &str, assigned_to_me: bool) -> Result<(), ClockError> {
    if !assigned_to_me {
        return Err(ClockError::NotYourJob);
    }
    match &open.job {
        Some(current) if current == job => Ok(()),
        _ => Err(ClockError::NotOn),
    }
}

/// Billed against actual hours of one job.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Efficiency {
    pub billed_hours: f64,
    pub actual_hours: f64,
    /// billed / actual; above 1 the technician beat the book time. None before any clocked time.
    pub ratio: Option<f64>,
}

/// `billed_hours` are the approved labour hours; `intervals` the job clocks in milliseconds
/// (an open clock counts up to `now_ms`).
pub fn efficiency(billed_hours: f64, intervals: &[(i64, Option<i64>)], now_ms: i64) -> Efficiency {
    let actual_ms: i64 = intervals.iter().map(|(start, end)| (end.unwrap_or(now_ms) - start).max(0)).sum();
    let actual_hours = actual_ms as f64 / 3_600_000.0;
    let round = |x: f64| (x * 100.0).round() / 100.0;
    Efficiency {
        billed_hours: round(billed_hours),
        actual_hours: round(actual_hours),
        ratio: (actual_ms > 0).then(|| round(billed_hours / actual_hours)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_shift() -> OpenClocks {
        OpenClocks { shift: true, job: None }
    }

    #[test]
    fn a_job_clock_needs_an_open_shift() {
        assert_eq!(job_on(&OpenClocks::default(), "wo-1", true, "in_progress"), Err(ClockError::NoShift));
    }

    #[test]
    fn only_the_assigned_technician_clocks_on() {
        assert_eq!(job_on(&on_shift(), "wo-1", false, "in_progress"), Err(ClockError::NotYourJob));
        assert_eq!(job_off(&on_shift(), "wo-1", false), Err(ClockError::NotYourJob));
    }

    #[test]
    fn one_job_at_a_time() {
        let busy = OpenClocks { shift: true, job: Some("wo-1".into()) };
        assert_eq!(job_on(&busy, "wo-2", true, "in_progress"), Err(ClockError::OtherJobOpen("wo-1".into())));
        assert_eq!(job_on(&busy, "wo-1", true, "in_progress"), Err(ClockError::AlreadyOn));
        assert_eq!(job_on(&on_shift(), "wo-2", true, "in_progress"), Ok(()));
    }

    #[test]
    fn finished_jobs_take_no_clocks() {
        assert_eq!(job_on(&on_shift(), "wo-1", true, "ready"), Err(ClockError::JobNotActive("ready".into())));
    }

    #[test]
    fn a_shift_ends_only_after_its_job() {
        let busy = OpenClocks { shift: true, job: Some("wo-1".into()) };
        assert_eq!(shift_off(&busy), Err(ClockError::JobStillOpen("wo-1".into())));
        assert_eq!(shift_off(&on_shift()), Ok(()));
        assert_eq!(shift_off(&OpenClocks::default()), Err(ClockError::ShiftNotOn));
        assert_eq!(shift_on(&on_shift()), Err(ClockError::ShiftAlreadyOn));
    }

    #[test]
    fn clocking_off_needs_that_job_open() {
        assert_eq!(job_off(&on_shift(), "wo-1", true), Err(ClockError::NotOn));
    }

    #[test]
    fn efficiency_compares_billed_with_clocked_hours() {
        let hour = 3_600_000;
        let e = efficiency(3.0, &[(0, Some(hour)), (2 * hour, Some(3 * hour))], 10 * hour);
        assert_eq!(e, Efficiency { billed_hours: 3.0, actual_hours: 2.0, ratio: Some(1.5) });
    }

    #[test]
    fn an_open_clock_counts_up_to_now() {
        let hour = 3_600_000;
        assert_eq!(efficiency(1.0, &[(0, None)], 2 * hour).actual_hours, 2.0);
    }

    #[test]
    fn no_clocked_time_has_no_ratio() {
        assert_eq!(efficiency(1.5, &[], 0).ratio, None);
    }
}
