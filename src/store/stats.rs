//! Counts the SQL statements the store runs (a sea-orm metric callback), so that tests can
//! assert how many statements a request costs.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Statement counter, and an optional log of statement texts.
#[derive(Debug, Default)]
pub struct StatementStats {
    count: AtomicU64,
    log: Mutex<Option<Vec<String>>>,
}

impl StatementStats {
    /// Called by sea-orm after every statement.
    pub fn record(&self, sql: &str) {
        self.count.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut log) = self.log.lock()
            && let Some(log) = log.as_mut()
        {
            log.push(sql.to_owned());
        }
    }

    /// Statements run since start-up.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Starts keeping the text of every statement (until [`take_log`](Self::take_log)).
    pub fn start_log(&self) {
        if let Ok(mut log) = self.log.lock() {
            *log = Some(Vec::new());
        }
    }

    /// The statements run since [`start_log`](Self::start_log), and stops keeping them.
    pub fn take_log(&self) -> Vec<String> {
        self.log.lock().ok().and_then(|mut log| log.take()).unwrap_or_default()
    }
}
