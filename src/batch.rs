//! Batch verification: independent (stored, password) pairs across the machine's cores.

#![forbid(unsafe_code)]

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::VerifyError;
use crate::policy::{Policy, Verified};

impl Policy {
    /// Verifies every `(stored, password)` pair, in parallel on scoped threads (one per
    /// available core), and returns the results in the pairs' order: the same results as
    /// calling [`verify`](Self::verify) on each in turn.
    ///
    /// Threads take the next pair as they finish one, so a few expensive hashes do not hold
    /// up the rest.
    pub fn verify_many(&self, pairs: &[(&str, &[u8])]) -> Vec<Result<Verified, VerifyError>> {
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(pairs.len());
        if threads <= 1 {
            return pairs.iter().map(|(s, p)| self.verify(s, p)).collect();
        }
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<Result<Verified, VerifyError>>>> =
            Mutex::new(vec![None; pairs.len()]);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((stored, password)) = pairs.get(i) else {
                            break;
                        };
                        let result = self.verify(stored, password);
                        // A poisoned lock means another worker panicked; the scope re-raises it.
                        if let Ok(mut slots) = results.lock() {
                            slots[i] = Some(result);
                        }
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .into_iter()
            .zip(pairs)
            .map(|(slot, (s, p))| slot.unwrap_or_else(|| self.verify(s, p)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::Policy;

    #[test]
    fn same_results_as_one_by_one() {
        let md5 = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";
        let pairs: Vec<(&str, &[u8])> = vec![
            (md5, b"password"),
            (md5, b"wrong"),
            ("!", b"password"),
            ("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK2", b"password"),
            (md5, b""),
            (md5, b"password"),
            (md5, b"passwore"),
            ("$pbkdf2-sha256$1000$salt$", b"x"),
            (md5, b"password"),
        ];
        let policy = Policy::default();
        let one_by_one: Vec<_> = pairs.iter().map(|(s, p)| policy.verify(s, p)).collect();
        assert_eq!(policy.verify_many(&pairs), one_by_one);
        assert!(policy.verify_many(&[]).is_empty());
    }
}
