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
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

/// A job: one extraction and the sending of its answer.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// The queue the threads share, and whether the pool is shutting down.
#[derive(Default)]
struct Queue {
    jobs: Mutex<(VecDeque<Job>, bool)>,
    ready: Condvar,
}

/// A fixed set of threads running queued jobs; dropping it lets them finish
/// the jobs queued and end.
pub struct Pool {
    queue: Arc<Queue>,
    threads: Vec<JoinHandle<()>>,
}

impl Pool {
    /// `threads` threads (at least one), named `pith-extract`.
    pub fn new(threads: usize) -> std::io::Result<Pool> {
        let queue = Arc::new(Queue::default());
        let threads = (0..threads.max(1))
            .map(|_| {
                let queue = queue.clone();
                std::thread::Builder::new()
                    .name("pith-extract".into())
                    .spawn(move || work(&queue))
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(Pool { queue, threads })
    }

    /// Queue `job`; a thread runs it as soon as one is free. A job must
    /// not panic (the server's jobs catch their panics).
    pub fn run(&self, job: impl FnOnce() + Send + 'static) {
        let mut q = self
            .queue
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        q.0.push_back(Box::new(job));
        drop(q);
        self.queue.ready.notify_one();
    }
}

/// One thread's loop: the next job, until the pool is dropped and the
/// queue is empty.
fn work(queue: &Queue) {
    loop {
        let job = {
            let mut q = queue.jobs.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if let Some(job) = q.0.pop_front() {
                    break job;
                }
                if q.1 {
                    return;
                }
                q = queue.ready.wait(q).unwrap_or_else(PoisonError::into_inner);
            }
        };
        job();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.queue
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .1 = true;
        self.queue.ready.notify_all();
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
