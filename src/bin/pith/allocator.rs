//! Gives the system back the memory that the C allocator holds free.
//!
//! The binary keeps the system allocator; glibc's returns freed memory to
//! the system only from the top of each heap, so after a burst (a thousand
//! connections that each held a few buffers, then left) the pages stay
//! resident for good, spread between the chunks still in use.
//! `malloc_trim(0)` hands back every whole free page of every arena. It
//! walks and locks each arena, so it is called only when the server is
//! quiet ([`trim_when_quiet`]).

use pith::serve::App;
use std::sync::Arc;
use std::time::Duration;

/// How often the server is looked at.
const QUIET_CHECK: Duration = Duration::from_secs(2);

/// Forever: every [`QUIET_CHECK`], when no request is in flight and some
/// started since the last time, give the allocator's free pages back.
pub async fn trim_when_quiet(app: Arc<App>) {
    let mut trimmed_at = app.activity().started;
    let mut tick = tokio::time::interval(QUIET_CHECK);
    loop {
        tick.tick().await;
        let now = app.activity();
        if now.in_flight == 0 && now.started != trimmed_at {
            trimmed_at = now.started;
            release_free_memory();
        }
    }
}

/// Ask glibc to return the free pages of every arena to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn release_free_memory() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: malloc_trim takes no pointer and keeps glibc's own invariants
    // (it locks each arena while it walks it); any thread may call it.
    unsafe {
        malloc_trim(0);
    }
}

/// Other allocators (musl, macOS, Windows) have no such call.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() {}
