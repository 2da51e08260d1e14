//! Repeating runs: `--every DURATION` or `[schedule]` in `config.toml` (an
//! interval, or a cron expression through the `cron` crate). Rounds never
//! overlap: a round that outlasts its interval is followed at once by the next.

use chrono::{DateTime, Utc};
use std::str::FromStr;
use std::time::Duration;

/// When rounds start.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// Every so long, counted from the start of the previous round.
    Every(Duration),
    /// At the times of a cron expression (UTC).
    Cron(Box<cron::Schedule>),
}

/// Why a schedule is not valid.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// The interval does not parse ("30m", "2s", "1h 30m").
    #[error("invalid interval '{0}': {1}")]
    Interval(String, String),
    /// The cron expression does not parse.
    #[error("invalid cron expression '{0}': {1}")]
    Cron(String, String),
    /// Both an interval and a cron expression were given.
    #[error("give either an interval or a cron expression, not both")]
    Both,
    /// A zero interval.
    #[error("the interval must be longer than zero")]
    Zero,
}

impl Schedule {
    /// From the settings: an interval, or a cron expression with 5 fields
    /// (minute hour day month weekday) or 6-7 fields (with seconds, year).
    pub fn from_settings(every: &str, cron_expr: &str) -> Result<Option<Schedule>, ScheduleError> {
        match (every.trim(), cron_expr.trim()) {
            ("", "") => Ok(None),
            (e, "") => {
                let d = humantime::parse_duration(e)
                    .map_err(|err| ScheduleError::Interval(e.to_string(), err.to_string()))?;
                if d.is_zero() {
                    return Err(ScheduleError::Zero);
                }
                Ok(Some(Schedule::Every(d)))
            }
            ("", c) => {
                let full = if c.split_whitespace().count() == 5 {
                    format!("0 {c}")
                } else {
                    c.to_string()
                };
                let s = cron::Schedule::from_str(&full)
                    .map_err(|err| ScheduleError::Cron(c.to_string(), err.to_string()))?;
                Ok(Some(Schedule::Cron(Box::new(s))))
            }
            _ => Err(ScheduleError::Both),
        }
    }

    /// How long to wait, `now`, before the next round, given when the
    /// previous round started and how long it has been since.
    pub fn wait(&self, since_round_start: Duration, now: DateTime<Utc>) -> Duration {
        match self {
            Schedule::Every(d) => d.saturating_sub(since_round_start),
            Schedule::Cron(s) => s
                .after(&now)
                .next()
                .and_then(|t| (t - now).to_std().ok())
                .unwrap_or(Duration::from_secs(3600)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_cron() {
        assert!(Schedule::from_settings("", "").unwrap().is_none());
        let every = Schedule::from_settings("30m", "").unwrap().unwrap();
        assert_eq!(
            every.wait(Duration::from_secs(60), Utc::now()),
            Duration::from_secs(29 * 60)
        );
        assert_eq!(
            every.wait(Duration::from_secs(3600), Utc::now()),
            Duration::ZERO
        );
        let cron = Schedule::from_settings("", "*/5 * * * *").unwrap().unwrap();
        assert!(cron.wait(Duration::ZERO, Utc::now()) <= Duration::from_secs(300));
        assert!(Schedule::from_settings("2s", "* * * * *").is_err());
        assert!(Schedule::from_settings("soon", "").is_err());
        assert!(Schedule::from_settings("0s", "").is_err());
    }
}
