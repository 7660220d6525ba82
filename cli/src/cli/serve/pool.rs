//! The verification pool: a fixed number of threads (one per core by default) behind a
//! bounded queue. A request that finds the queue full is refused at once, so a flood of
//! expensive hashes makes callers wait at most the queue's length, never without bound.
//!
//! Admission counts the requests in the pool, waiting or being verified, against workers +
//! queue, and a request leaves the count before its answer is sent. Counting only the
//! channel's length would refuse a caller that sends its next request as soon as it has
//! its answer while the worker that answered has not yet come back for more work.

#![forbid(unsafe_code)]

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Sender, TrySendError, bounded};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// The queue is full: answer 503 now.
#[derive(Debug)]
pub(crate) struct Full;

pub(crate) struct Pool {
    jobs: Option<Sender<(Instant, Job)>>,
    threads: Vec<JoinHandle<()>>,
    depth: Gauge,
    /// Requests waiting or being verified.
    admitted: Arc<AtomicUsize>,
    /// Workers + queue.
    capacity: usize,
}

/// A request's place in the pool, given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Pool {
    pub(crate) fn new(
        workers: usize,
        queue: usize,
        depth: Gauge,
        wait: Histogram,
    ) -> std::io::Result<Self> {
        let workers = workers.max(1);
        let capacity = workers + queue;
        // Never full: admission keeps at most `capacity` requests in the pool.
        let (tx, rx) = bounded::<(Instant, Job)>(capacity);
        let mut threads = Vec::with_capacity(workers);
        for n in 0..workers {
            let rx = rx.clone();
            let (depth, wait) = (depth.clone(), wait.clone());
            let thread = std::thread::Builder::new()
                .name(format!("passgate-verify-{n}"))
                .spawn(move || {
                    for (queued, job) in rx {
                        depth.dec();
                        wait.observe(queued.elapsed().as_secs_f64());
                        job();
                    }
                })?;
            threads.push(thread);
        }
        Ok(Self {
            jobs: Some(tx),
            threads,
            depth,
            admitted: Arc::new(AtomicUsize::new(0)),
            capacity,
        })
    }

    /// Queues `f`; its result comes on the receiver. `Err(Full)` when workers + queue
    /// requests are already waiting or being verified. A request whose caller has gone by
    /// the time a worker takes it is dropped unrun; a panic in `f` drops the sender (the
    /// receiver sees an error).
    pub(crate) fn try_run<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Result<oneshot::Receiver<R>, Full> {
        let Some(jobs) = &self.jobs else {
            return Err(Full);
        };
        let admitted = self
            .admitted
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.capacity).then_some(n + 1)
            });
        if admitted.is_err() {
            return Err(Full);
        }
        let slot = Slot(Arc::clone(&self.admitted));
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            if tx.is_closed() {
                return;
            }
            let result = std::panic::catch_unwind(AssertUnwindSafe(f));
            // Before the answer: its caller may send the next request at once.
            drop(slot);
            if let Ok(r) = result {
                let _ = tx.send(r);
            }
        });
        self.depth.inc();
        match jobs.try_send((Instant::now(), job)) {
            Ok(()) => Ok(rx),
            // The job, and with it the slot, is dropped.
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.depth.dec();
                Err(Full)
            }
        }
    }
}

impl Drop for Pool {
    /// Lets the workers finish what is queued, then joins them.
    fn drop(&mut self) {
        self.jobs = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn full_queue_refuses_at_once_and_order_is_kept() {
        let pool = Pool::new(1, 2, Gauge::default(), Histogram::new([1.0])).unwrap();
        let (hold_tx, hold_rx) = std::sync::mpsc::channel::<()>();
        let first = pool.try_run(move || hold_rx.recv().is_ok()).unwrap();
        // One verifying and two waiting, whether or not the worker has taken the first yet.
        let queued: Vec<_> = (0..2).map(|_| pool.try_run(|| 7).unwrap()).collect();
        assert!(pool.try_run(|| 7).is_err());
        hold_tx.send(()).unwrap();
        assert!(first.blocking_recv().unwrap());
        for rx in queued {
            assert_eq!(rx.blocking_recv().unwrap(), 7);
        }
        // A panicking job is an error for its caller, and the worker lives on.
        let rx = pool.try_run(|| -> u8 { panic!("boom") }).unwrap();
        assert!(rx.blocking_recv().is_err());
        assert_eq!(pool.try_run(|| 8).unwrap().blocking_recv().unwrap(), 8);
    }

    #[test]
    fn an_answered_request_frees_its_place_before_the_answer() {
        // Workers + queue requests kept in the pool: each time one is answered, the next
        // is sent at once, maybe before the worker has come back for more work.
        let pool = Pool::new(1, 1, Gauge::default(), Histogram::new([1.0])).unwrap();
        let mut in_pool = std::collections::VecDeque::new();
        in_pool.push_back(pool.try_run(|| ()).unwrap());
        for _ in 0..10_000 {
            in_pool.push_back(pool.try_run(|| ()).expect("refused below workers + queue"));
            in_pool.pop_front().unwrap().blocking_recv().unwrap();
        }
    }
}
