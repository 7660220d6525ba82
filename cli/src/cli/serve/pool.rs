//! The verification pool: a fixed number of threads (one per core by default) behind a
//! bounded queue. A request that finds the queue full is refused at once, so a flood of
//! expensive hashes makes callers wait at most the queue's length, never without bound.

#![forbid(unsafe_code)]

use std::panic::AssertUnwindSafe;
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
}

impl Pool {
    pub(crate) fn new(
        workers: usize,
        queue: usize,
        depth: Gauge,
        wait: Histogram,
    ) -> std::io::Result<Self> {
        let (tx, rx) = bounded::<(Instant, Job)>(queue);
        let mut threads = Vec::with_capacity(workers);
        for n in 0..workers.max(1) {
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
        })
    }

    /// Queues `f`; its result comes on the receiver. `Err(Full)` when the queue is full. A
    /// request whose caller has gone by the time a worker takes it is dropped unrun; a
    /// panic in `f` drops the sender (the receiver sees an error).
    pub(crate) fn try_run<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Result<oneshot::Receiver<R>, Full> {
        let Some(jobs) = &self.jobs else {
            return Err(Full);
        };
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            if tx.is_closed() {
                return;
            }
            if let Ok(r) = std::panic::catch_unwind(AssertUnwindSafe(f)) {
                let _ = tx.send(r);
            }
        });
        self.depth.inc();
        match jobs.try_send((Instant::now(), job)) {
            Ok(()) => Ok(rx),
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
        // The worker may not have taken the first job yet: fill until refused.
        let mut queued = Vec::new();
        let refused = loop {
            match pool.try_run(|| 7) {
                Ok(rx) => queued.push(rx),
                Err(Full) => break true,
            }
            assert!(queued.len() <= 3);
        };
        assert!(refused);
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
}
