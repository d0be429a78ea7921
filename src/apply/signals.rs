//! Ctrl-C, SIGTERM and SIGHUP become a flag the step loop polls, instead of killing packetc outright.
//!
//! Dying on the signal would leave the running channel (psql, ssh) behind in its own process
//! group and the journal without its last records. With the flag, packetc starts no new step,
//! ends the running channel so its transaction aborts, and journals what happened. SIGHUP (the
//! operator's ssh session dropped) is treated the same way rather than killing packetc silently.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGXFSZ};
use signal_hook::SigId;

use crate::diag::Error;

/// Which stop signals have arrived since [`Interrupt::install`].
pub struct Interrupt {
    int: Arc<AtomicBool>,
    term: Arc<AtomicBool>,
    hup: Arc<AtomicBool>,
    ids: Vec<SigId>,
}

impl Interrupt {
    /// Catch SIGINT, SIGTERM and SIGHUP until this value is dropped.
    pub fn install() -> Result<Interrupt, Error> {
        let int = Arc::new(AtomicBool::new(false));
        let term = Arc::new(AtomicBool::new(false));
        let hup = Arc::new(AtomicBool::new(false));
        let mut ids = Vec::new();
        for (signal, flag) in [(SIGINT, &int), (SIGTERM, &term), (SIGHUP, &hup)] {
            let id = signal_hook::flag::register(signal, Arc::clone(flag)).map_err(|e| {
                Error::input(
                    format!("cannot install the Ctrl-C / SIGTERM / SIGHUP handler: {e}"),
                    "apply needs it to stop a running step cleanly; report this as a bug",
                )
            })?;
            ids.push(id);
        }
        // A file-size limit (`ulimit -f`) must turn into a failed journal write that apply
        // reports, not into a silent death by SIGXFSZ half-way through a record.
        let fsize = Arc::new(AtomicBool::new(false));
        let id = signal_hook::flag::register(SIGXFSZ, fsize).map_err(|e| {
            Error::input(
                format!("cannot install the SIGXFSZ handler: {e}"),
                "report this as a bug",
            )
        })?;
        ids.push(id);
        Ok(Interrupt {
            int,
            term,
            hup,
            ids,
        })
    }

    /// The name of the first stop signal received, if any.
    #[must_use]
    pub fn requested(&self) -> Option<&'static str> {
        if self.int.load(Ordering::SeqCst) {
            Some("SIGINT")
        } else if self.term.load(Ordering::SeqCst) {
            Some("SIGTERM")
        } else if self.hup.load(Ordering::SeqCst) {
            Some("SIGHUP")
        } else {
            None
        }
    }
}

impl Drop for Interrupt {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}
