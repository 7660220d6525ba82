//! Batch verification: independent (stored, password) pairs across the machine's cores, with
//! bcrypt computations of the same cost run side by side in each thread, and PBKDF2 chains
//! of the same hash and length two at a time where the CPU can interleave them.

#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::VerifyError;
use crate::policy::{Admitted, Policy, Verified};
use crate::scheme::bcrypt::{BcryptHash, ExpandedKey, LANES, lanes_match};
use crate::scheme::pbkdf2_engine::tasks_match;
use crate::stored::StoredHash;

/// One bcrypt computation: the bcrypt pair it belongs to (an index into the batch's bcrypt
/// pairs) and one of its keys (a `$2a$` pair may have two, see [`BcryptHash::keys`]).
struct Job {
    pair: usize,
    key: ExpandedKey,
}

/// What a thread takes at a time.
enum Unit {
    /// Bcrypt computations of one cost, run side by side (indexes into the jobs).
    Lanes(Vec<usize>),
    /// PBKDF2 pairs of one HMAC hash and iteration count (indexes into the batch's PBKDF2
    /// pairs), run as one batch of chains.
    Pbkdf2(Vec<usize>),
    /// A pair of another scheme, or a custom one (an index into the batch's other pairs):
    /// completed on its own.
    One(usize),
}

/// The most PBKDF2 pairs a thread takes at a time: the SHA-NI chains interleave two.
const PBKDF2_GROUP: usize = 2;

enum Done {
    Lanes(Vec<bool>),
    Pbkdf2(Vec<bool>),
    One(Result<Verified, VerifyError>),
}

impl Policy {
    /// Verifies every `(stored, password)` pair, in parallel on scoped threads (one per
    /// available core), and returns the results in the pairs' order: the same results as
    /// calling [`verify`](Self::verify) on each in turn.
    ///
    /// bcrypt hashes of the same cost are computed up to four at a time side by side in one
    /// thread, which has the CPU overlap their dependency chains (about 3 × the throughput
    /// of one at a time). PBKDF2 hashes of the same HMAC hash and iteration count are taken
    /// two at a time, and on CPUs with the SHA extensions their SHA-1 and SHA-256 chains run
    /// interleaved (about 1.5 × the throughput). Threads take the next group or pair as they
    /// finish one, so a few expensive hashes do not hold up the rest.
    pub fn verify_many(&self, pairs: &[(&str, &[u8])]) -> Vec<Result<Verified, VerifyError>> {
        self.verify_many_on(pairs, true)
    }

    /// [`verify_many`](Self::verify_many), with bcrypt on the CPU's extensions only when
    /// `cpu` is set.
    fn verify_many_on(
        &self,
        pairs: &[(&str, &[u8])],
        cpu: bool,
    ) -> Vec<Result<Verified, VerifyError>> {
        let mut results: Vec<Option<Result<Verified, VerifyError>>> = vec![None; pairs.len()];
        // (pair index, hash) of every admitted bcrypt pair; its computations are the jobs.
        let mut bcrypts: Vec<(usize, BcryptHash)> = Vec::new();
        let mut jobs: Vec<Job> = Vec::new();
        // (pair index, hash) of every admitted PBKDF2 pair.
        let mut pbkdf2s: Vec<(usize, StoredHash)> = Vec::new();
        // (pair index, what `admit` returned) of every other admitted pair.
        let mut others: Vec<(usize, Admitted<'_>)> = Vec::new();
        let mut units: Vec<Unit> = Vec::new();
        for (i, (stored, password)) in pairs.iter().enumerate() {
            // The same first steps as `verify`: password checks, parsing, limits.
            match self.admit(stored, password) {
                Err(e) => results[i] = Some(Err(e)),
                Ok(Admitted::Hash(StoredHash::Bcrypt(hash))) => {
                    let (key, second) = hash.keys(password);
                    let pair = bcrypts.len();
                    jobs.push(Job { pair, key });
                    jobs.extend(second.map(|key| Job { pair, key }));
                    bcrypts.push((i, hash));
                }
                Ok(Admitted::Hash(hash)) if hash.pbkdf2_task().is_some() => {
                    pbkdf2s.push((i, hash));
                }
                Ok(admitted) => {
                    units.push(Unit::One(others.len()));
                    others.push((i, admitted));
                }
            }
        }
        let bcrypt = |job: &Job| &bcrypts[job.pair].1;
        units.splice(0..0, pbkdf2_groups(&pbkdf2s));
        units.splice(0..0, lane_groups(&jobs, |j| bcrypt(j).cost()));

        let run = |unit: &Unit| match unit {
            Unit::Lanes(group) => {
                let lanes: Vec<(&BcryptHash, &ExpandedKey)> = group
                    .iter()
                    .map(|&j| (bcrypt(&jobs[j]), &jobs[j].key))
                    .collect();
                Done::Lanes(lanes_match(&lanes, cpu))
            }
            Unit::Pbkdf2(group) => {
                let tasks: Vec<_> = group
                    .iter()
                    .filter_map(|&k| {
                        let (i, hash) = &pbkdf2s[k];
                        Some((hash.pbkdf2_task()?, pairs[*i].1))
                    })
                    .collect();
                Done::Pbkdf2(tasks_match(&tasks))
            }
            Unit::One(k) => {
                let (i, admitted) = &others[*k];
                Done::One(self.complete(admitted, pairs[*i].0, pairs[*i].1))
            }
        };
        let done = run_units(&units, run);

        let mut matched = vec![false; bcrypts.len()];
        for (unit, done) in units.iter().zip(done) {
            match (unit, done) {
                (Unit::Lanes(group), Done::Lanes(ok)) => {
                    for (&j, ok) in group.iter().zip(ok) {
                        matched[jobs[j].pair] |= ok;
                    }
                }
                (Unit::Pbkdf2(group), Done::Pbkdf2(ok)) => {
                    for (&k, matched) in group.iter().zip(ok) {
                        let (i, hash) = &pbkdf2s[k];
                        results[*i] = Some(self.verdict(hash, pairs[*i].1, matched));
                    }
                }
                (Unit::One(k), Done::One(result)) => results[others[*k].0] = Some(result),
                _ => unreachable!("each unit is answered in its own kind"),
            }
        }
        for ((i, hash), matched) in bcrypts.into_iter().zip(matched) {
            results[i] = Some(self.verdict(&StoredHash::Bcrypt(hash), pairs[i].1, matched));
        }
        results
            .into_iter()
            .zip(pairs)
            .map(|(slot, (s, p))| slot.unwrap_or_else(|| self.verify(s, p)))
            .collect()
    }
}

/// The PBKDF2 pairs grouped by HMAC hash and iteration count, the longest chains first, in
/// groups of at most [`PBKDF2_GROUP`].
fn pbkdf2_groups(pbkdf2s: &[(usize, StoredHash)]) -> Vec<Unit> {
    let key = |k: usize| {
        pbkdf2s[k]
            .1
            .pbkdf2_task()
            .map(|t| (core::cmp::Reverse(t.iterations), t.hmac))
    };
    let mut order: Vec<usize> = (0..pbkdf2s.len()).collect();
    order.sort_by_key(|&k| key(k));
    let mut units = Vec::new();
    let mut rest = &order[..];
    while let Some(&first) = rest.first() {
        let same = rest
            .iter()
            .take(PBKDF2_GROUP)
            .take_while(|&&k| key(k) == key(first))
            .count();
        let (group, tail) = rest.split_at(same);
        units.push(Unit::Pbkdf2(group.to_vec()));
        rest = tail;
    }
    units
}

/// The jobs grouped by cost, costliest first, each cost's jobs split into as few groups of at
/// most [`LANES`] as possible, of sizes as even as possible (5 jobs: 3 and 2, not 4 and 1).
fn lane_groups(jobs: &[Job], cost: impl Fn(&Job) -> u32) -> Vec<Unit> {
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&j| core::cmp::Reverse(cost(&jobs[j])));
    let mut units = Vec::new();
    let mut rest = &order[..];
    while let Some(&first) = rest.first() {
        let same = rest
            .iter()
            .take_while(|&&j| cost(&jobs[j]) == cost(&jobs[first]))
            .count();
        let (class, tail) = rest.split_at(same);
        let groups = class.len().div_ceil(LANES);
        let mut start = 0;
        for g in 0..groups {
            let size = class.len() / groups + usize::from(g < class.len() % groups);
            units.push(Unit::Lanes(class[start..start + size].to_vec()));
            start += size;
        }
        rest = tail;
    }
    units
}

/// Runs every unit on the calling thread and scoped threads (one thread per available core,
/// at most one per unit), each taking the next unit as it finishes one; the answers in the
/// units' order. The caller works too rather than waiting, so the batch never has more
/// threads ready to run than cores.
fn run_units(units: &[Unit], run: impl Fn(&Unit) -> Done + Sync) -> Vec<Done> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(units.len());
    if threads <= 1 {
        return units.iter().map(&run).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut answered = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(unit) = units.get(i) else {
                break answered;
            };
            answered.push((i, run(unit)));
        }
    };
    let mut done: Vec<Option<Done>> = (0..units.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut answered = work();
        for helper in helpers {
            match helper.join() {
                Ok(more) => answered.extend(more),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (i, answer) in answered {
            done[i] = Some(answer);
        }
    });
    done.into_iter()
        .zip(units)
        .map(|(answer, unit)| answer.unwrap_or_else(|| run(unit)))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::scheme::bcrypt::tests::{vectors, vectors_of};
    use crate::{Policy, StoredHash};

    /// bcrypt pairs from the independent vectors (costs 4 to 6 and 14; the three variants,
    /// wrong passwords, crypt_blowfish's `$2a$` readings, passwords past 72 bytes), with
    /// pairs of other schemes and pairs that fail before any hashing, in a fixed shuffle.
    fn pool() -> Vec<(String, Vec<u8>)> {
        let mut pool: Vec<(String, Vec<u8>)> =
            vectors().into_iter().map(|(pw, s, _)| (s, pw)).collect();
        let md5 = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";
        for (stored, password) in [
            (md5, &b"password"[..]),
            (md5, b"wrong"),
            ("!", b"password"),
            ("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK2", b"password"),
            (md5, b""),
            ("$pbkdf2-sha256$1000$salt$", b"x"),
            (
                "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=",
                b"password",
            ),
            (
                "$2x$04$Hk1V481Fm7mc0./ESw1/oOTrozRXNU47toO9TZyL5L/m/qSkN5Myy",
                b"x",
            ),
            ("$2b$04$short", b"x"),
            (
                "$2b$03$.77PT.lWftAvFJZo3UdjR.OF.rbOluMjiPDHPdZ2wiSWVQIh7L/DK",
                b"x",
            ),
            (
                "$2b$04$.77PT.lWftAvFJZo3UdjR.OF.rbOluMjiPDHPdZ2wiSWVQIh7L/DK",
                b"x\0y",
            ),
            ("not a hash", b"x"),
        ] {
            pool.push((stored.to_owned(), password.to_vec()));
        }
        // A fixed shuffle, so that every batch mixes costs, variants and schemes.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for i in (1..pool.len()).rev() {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            pool.swap(i, (state >> 33) as usize % (i + 1));
        }
        pool
    }

    /// A policy that refuses the vectors' cost-14 hashes (over its limit) and verifies the
    /// rest; `sha256` at 150 000 iterations stays within its work limit.
    fn policy() -> Policy {
        Policy {
            max_bcrypt_cost: 6,
            ..Policy::default()
        }
    }

    fn check(policy: &Policy, pairs: &[(&str, &[u8])]) {
        let one_by_one: Vec<_> = pairs.iter().map(|(s, p)| policy.verify(s, p)).collect();
        for cpu in [true, false] {
            assert_eq!(
                policy.verify_many_on(pairs, cpu),
                one_by_one,
                "{} pairs, cpu {cpu}",
                pairs.len()
            );
        }
    }

    #[test]
    fn same_results_as_one_by_one_for_every_batch_size() {
        let pool = pool();
        let policy = policy();
        let mut start = 0;
        for size in [0, 1, 2, 3, 4, 5, 16, 17] {
            let pairs: Vec<(&str, &[u8])> = (0..size)
                .map(|k| &pool[(start + k) % pool.len()])
                .map(|(s, p)| (s.as_str(), p.as_slice()))
                .collect();
            check(&policy, &pairs);
            start += size;
        }
        assert_eq!(policy.verify_many(&[]), vec![]);
    }

    #[test]
    fn same_results_as_one_by_one_for_the_whole_pool() {
        let pool = pool();
        let pairs: Vec<(&str, &[u8])> = pool
            .iter()
            .map(|(s, p)| (s.as_str(), p.as_slice()))
            .collect();
        check(&policy(), &pairs);
        let verified = policy()
            .verify_many(&pairs)
            .iter()
            .filter(|r| r.is_ok())
            .count();
        assert!(
            pairs.len() > 100 && verified > 40,
            "{verified} of {}",
            pairs.len()
        );
    }

    /// Same-cost groups of every size from 1 to past [`LANES`](crate::scheme::bcrypt::LANES),
    /// the `$2a$` pairs with two readings among them, each hash right and wrong.
    #[test]
    fn same_cost_groups_of_every_size() {
        let pool = vectors();
        let cost4: Vec<(&str, &[u8])> = pool
            .iter()
            .filter(|(_, s, _)| s[4..7] == *"04$")
            .map(|(p, s, _)| (s.as_str(), p.as_slice()))
            .collect();
        assert!(cost4.len() > 40);
        let policy = policy();
        for size in 1..=9 {
            check(&policy, &cost4[..size]);
            check(&policy, &cost4[cost4.len() - size..]);
        }
    }

    /// PBKDF2 pairs from the independent vectors of every PBKDF2 format (SFTPGo's, passlib's,
    /// the base64-salt one; SHA-1, SHA-256, SHA-512; right and wrong passwords; outputs of
    /// one block and of several), those up to 20 000 iterations, with bcrypt and md5crypt
    /// pairs among them: groups of one hash and length, of every size.
    #[test]
    fn pbkdf2_pairs_in_groups_and_among_others() {
        let mut pool: Vec<(Vec<u8>, String)> = Vec::new();
        for file in [
            "pbkdf2-sha1.txt",
            "pbkdf2-sha256.txt",
            "pbkdf2-sha512.txt",
            "pbkdf2-b64salt-sha256.txt",
            "passlib-pbkdf2-sha1.txt",
            "passlib-pbkdf2-sha256.txt",
            "passlib-pbkdf2-sha512.txt",
        ] {
            let vectors = vectors_of(file);
            assert!(vectors.len() > 20, "{file}: {}", vectors.len());
            for (password, stored, _) in vectors {
                let cheap = StoredHash::parse(&stored)
                    .ok()
                    .and_then(|h| Some(h.pbkdf2_task()?.iterations <= 20_000))
                    .unwrap_or(true);
                if cheap {
                    pool.push((password, stored));
                }
            }
        }
        let extra = vectors();
        for (k, (password, stored, _)) in extra.into_iter().take(6).enumerate() {
            pool.insert(k * 37 % pool.len(), (password, stored));
        }
        pool.insert(
            11,
            (
                b"password".to_vec(),
                "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/".into(),
            ),
        );
        let pairs: Vec<(&str, &[u8])> = pool
            .iter()
            .map(|(p, s)| (s.as_str(), p.as_slice()))
            .collect();
        let policy = policy();
        let verified = policy
            .verify_many(&pairs)
            .iter()
            .filter(|r| r.is_ok())
            .count();
        assert!(
            pairs.len() > 200 && verified > 100,
            "{verified} of {}",
            pairs.len()
        );
        check(&policy, &pairs);
        for size in 1..=5 {
            for start in [0, 17, 101] {
                check(&policy, &pairs[start..start + size]);
            }
        }
        // The same hash and password many times over: every group full.
        let same = vec![pairs[3]; 9];
        check(&policy, &same);
    }
}
