//! How the fleet is doing, from the server's own counts: per frontier
//! partition, messages pending, in flight (delivered, not yet acked) and
//! redelivered; URLs out of deliveries whose record is still to come; and
//! the records waiting for the sink.

use super::connection::{Fleet, FleetError, js_err};

/// One partition's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartitionStatus {
    /// The partition.
    pub partition: u32,
    /// Messages not yet delivered.
    pub pending: u64,
    /// Messages delivered and not yet acked (0 or 1).
    pub in_flight: u64,
    /// Messages delivered more than once and not yet acked.
    pub redelivered: u64,
    /// Pull requests waiting (workers idle on the partition).
    pub waiting: u64,
}

/// The fleet's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetStatus {
    /// Per frontier partition.
    pub partitions: Vec<PartitionStatus>,
    /// Records not yet delivered to the sink.
    pub results_pending: u64,
    /// Records delivered to the sink and not yet acked.
    pub results_in_flight: u64,
    /// URLs out of deliveries whose `delivery_limit` record is still to
    /// be published (see [`exhausted`](super::exhausted)).
    pub exhausted: u64,
}

impl FleetStatus {
    /// Whether no URL waits or is being worked on.
    pub fn frontier_is_empty(&self) -> bool {
        self.exhausted == 0
            && self
                .partitions
                .iter()
                .all(|p| p.pending == 0 && p.in_flight == 0)
    }
}

/// The counts of the frontier's partitions (without the sink's).
async fn partitions(fleet: &Fleet) -> Result<Vec<PartitionStatus>, FleetError> {
    let mut out = Vec::new();
    // Each consumer comes with its counts as the server has them now.
    for (p, consumer) in (0..).zip(fleet.partition_consumers().await?) {
        let info = consumer.cached_info();
        out.push(PartitionStatus {
            partition: p,
            pending: info.num_pending,
            in_flight: info.num_ack_pending as u64,
            redelivered: info.num_redelivered as u64,
            waiting: info.num_waiting as u64,
        });
    }
    Ok(out)
}

/// Whether no URL waits on the frontier or is being worked on.
pub async fn frontier_is_empty(fleet: &Fleet) -> Result<bool, FleetError> {
    let idle = partitions(fleet)
        .await?
        .iter()
        .all(|p| p.pending == 0 && p.in_flight == 0);
    Ok(idle && super::exhausted::waiting(fleet).await? == 0)
}

/// The fleet's counts now.
pub async fn status(fleet: &Fleet) -> Result<FleetStatus, FleetError> {
    let partitions = partitions(fleet).await?;
    let sink = fleet.sink_consumer().await?;
    let info = sink
        .get_info()
        .await
        .map_err(js_err("read the sink's consumer"))?;
    Ok(FleetStatus {
        partitions,
        results_pending: info.num_pending,
        results_in_flight: info.num_ack_pending as u64,
        exhausted: super::exhausted::waiting(fleet).await?,
    })
}
