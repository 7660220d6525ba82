//! The service's metrics, in Prometheus' text format at `GET /metrics`. Labels are fixed
//! vocabularies (hook, outcome, reason, scheme names) and the configuration's source
//! sections: never a user name, an address, a password or a hash.

#![forbid(unsafe_code)]

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct AttemptLabels {
    pub(crate) hook: &'static str,
    pub(crate) outcome: &'static str,
    pub(crate) reason: &'static str,
    pub(crate) source: &'static str,
    pub(crate) scheme: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct HookLabel {
    pub(crate) hook: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RejectionLabels {
    pub(crate) hook: &'static str,
    pub(crate) reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ReloadLabels {
    /// The source's section: `source`, `sources.NAME`.
    pub(crate) source: String,
    pub(crate) result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct SourceLabel {
    /// The source's section: `source`, `sources.NAME`.
    pub(crate) source: String,
}

pub(crate) struct Metrics {
    pub(crate) registry: Registry,
    /// Answered attempts.
    pub(crate) attempts: Family<AttemptLabels, Counter>,
    /// Time from taking a request off the queue to its verdict, in seconds.
    pub(crate) verify_seconds: Family<HookLabel, Histogram>,
    /// Time a request waited for a worker, in seconds.
    pub(crate) queue_wait_seconds: Histogram,
    /// Requests waiting for a worker.
    pub(crate) queue_depth: Gauge,
    /// Requests refused before any verification: queue full, unauthorised, malformed…
    pub(crate) rejections: Family<RejectionLabels, Counter>,
    /// Legacy source reloads by source and result.
    pub(crate) reloads: Family<ReloadLabels, Counter>,
    /// Accounts in each legacy source in use.
    pub(crate) source_accounts: Family<SourceLabel, Gauge>,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("passgate");
        let attempts = Family::<AttemptLabels, Counter>::default();
        registry.register(
            "attempts",
            "Answered login attempts by hook, outcome, reason, hash source and scheme",
            attempts.clone(),
        );
        let verify_seconds = Family::<HookLabel, Histogram>::new_with_constructor(
            (|| Histogram::new(exponential_buckets(0.0005, 2.0, 16))) as fn() -> Histogram,
        );
        registry.register(
            "verify_seconds",
            "Time to decide one attempt once a worker took it",
            verify_seconds.clone(),
        );
        let queue_wait_seconds = Histogram::new(exponential_buckets(0.0001, 2.0, 18));
        registry.register(
            "queue_wait_seconds",
            "Time an attempt waited for a worker",
            queue_wait_seconds.clone(),
        );
        let queue_depth = Gauge::default();
        registry.register(
            "queue_depth",
            "Attempts waiting for a worker",
            queue_depth.clone(),
        );
        let rejections = Family::<RejectionLabels, Counter>::default();
        registry.register(
            "rejections",
            "Requests refused before verification, by reason",
            rejections.clone(),
        );
        let reloads = Family::<ReloadLabels, Counter>::default();
        registry.register(
            "source_reloads",
            "Legacy source reloads by source and result",
            reloads.clone(),
        );
        let source_accounts = Family::<SourceLabel, Gauge>::default();
        registry.register(
            "source_accounts",
            "Accounts in each legacy source in use",
            source_accounts.clone(),
        );
        Self {
            registry,
            attempts,
            verify_seconds,
            queue_wait_seconds,
            queue_depth,
            rejections,
            reloads,
            source_accounts,
        }
    }

    pub(crate) fn reject(&self, hook: &'static str, reason: &'static str) {
        self.rejections
            .get_or_create(&RejectionLabels { hook, reason })
            .inc();
    }

    pub(crate) fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
