//! The server's extraction threads: a fixed set of threads that take the
//! extractions from one queue, each the next as soon as it is done with the
//! last.
//!
//! With tokio's blocking pool, a finished extraction handed its slot to a
//! waiting request through the runtime: a runtime thread had to wake, poll
//! the request and spawn its extraction before a blocking thread could
//! start it, and on a machine whose cores the extractions keep busy that
//! thread waited its turn. Here the request's extraction is queued when it
//! gets its slot, and a thread that finishes takes the next one itself.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{JoinHandle, Thread};

/// A job: one extraction and the sending of its answer.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// What the threads share: the queued jobs, the threads waiting for one
/// (the one that waited least last), and whether the pool is shutting down.
#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    idle: Vec<Thread>,
    closing: bool,
}

/// A fixed set of threads running queued jobs; dropping it lets them finish
/// the jobs queued and end.
///
/// A job queued while threads wait wakes the one that finished last: when
/// requests come one at a time, one thread serves them all, its caches
/// (the regular expressions' lazily built automata among them) warm, where
/// waking the longest waiting would walk every request across all threads.
pub struct Pool {
    state: Arc<Mutex<State>>,
    threads: Vec<JoinHandle<()>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pool {
    /// `threads` threads (at least one), named `pith-extract`.
    pub fn new(threads: usize) -> std::io::Result<Pool> {
        let state = Arc::new(Mutex::new(State::default()));
        let threads = (0..threads.max(1))
            .map(|_| {
                let state = state.clone();
                std::thread::Builder::new()
                    .name("pith-extract".into())
                    .spawn(move || work(&state))
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(Pool { state, threads })
    }

    /// Queue `job`; a thread runs it as soon as one is free. A job must
    /// not panic (the server's jobs catch their panics).
    pub fn run(&self, job: impl FnOnce() + Send + 'static) {
        let mut s = lock(&self.state);
        s.jobs.push_back(Box::new(job));
        let wake = s.idle.pop();
        drop(s);
        if let Some(t) = wake {
            t.unpark();
        }
    }
}

/// One thread's loop: the next job, until the pool is dropped and the
/// queue is empty.
fn work(state: &Mutex<State>) {
    let me = std::thread::current();
    loop {
        let job = {
            let mut s = lock(state);
            loop {
                if let Some(job) = s.jobs.pop_front() {
                    break job;
                }
                if s.closing {
                    return;
                }
                s.idle.push(me.clone());
                drop(s);
                // A wake that comes before the park is kept for it.
                std::thread::park();
                s = lock(state);
                // Woken for nothing (parks may end early): not waiting twice.
                s.idle.retain(|t| t.id() != me.id());
            }
        };
        job();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let idle = {
            let mut s = lock(&self.state);
            s.closing = true;
            std::mem::take(&mut s.idle)
        };
        for t in idle {
            t.unpark();
        }
        // A job may hold the last owner of the pool, and drop it on one of
        // the pool's own threads: that thread ends when the job returns.
        let me = std::thread::current().id();
        for t in self.threads.drain(..) {
            if t.thread().id() != me {
                let _ = t.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;

    #[test]
    fn every_queued_job_runs_once_and_the_threads_end_with_the_pool() {
        let done = Arc::new(AtomicUsize::new(0));
        let pool = Pool::new(3).unwrap();
        for _ in 0..100 {
            let done = done.clone();
            pool.run(move || {
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
        // Dropping the pool waits for the queued jobs and the threads.
        drop(pool);
        assert_eq!(done.load(Ordering::SeqCst), 100);
    }

    #[test]
    fn jobs_that_come_one_at_a_time_run_on_one_thread() {
        let pool = Pool::new(4).unwrap();
        let wait_all_idle = || {
            while lock(&pool.state).idle.len() < 4 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        };
        let mut ran_on = Vec::new();
        for _ in 0..10 {
            wait_all_idle();
            let (tx, rx) = mpsc::channel();
            pool.run(move || tx.send(std::thread::current().id()).unwrap());
            ran_on.push(rx.recv().unwrap());
        }
        ran_on.dedup();
        assert_eq!(ran_on.len(), 1, "{ran_on:?}");
    }

    #[test]
    fn a_job_may_drop_the_last_owner_of_its_pool() {
        let pool = Arc::new(Pool::new(2).unwrap());
        let (tx, rx) = mpsc::channel();
        let owner = pool.clone();
        pool.run(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            drop(owner);
            tx.send(()).unwrap();
        });
        drop(pool);
        rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
    }

    #[test]
    fn jobs_run_side_by_side_on_as_many_threads() {
        // Two jobs that each wait for the other can only both finish when
        // two threads run them at once.
        let pool = Pool::new(2).unwrap();
        let (a_tx, a_rx) = mpsc::channel();
        let (b_tx, b_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel();
        let d1 = done_tx.clone();
        pool.run(move || {
            a_tx.send(()).unwrap();
            b_rx.recv().unwrap();
            d1.send(1).unwrap();
        });
        pool.run(move || {
            b_tx.send(()).unwrap();
            a_rx.recv().unwrap();
            done_tx.send(2).unwrap();
        });
        let mut got: Vec<i32> = (0..2)
            .map(|_| {
                done_rx
                    .recv_timeout(std::time::Duration::from_secs(10))
                    .unwrap()
            })
            .collect();
        got.sort();
        assert_eq!(got, [1, 2]);
    }
}
