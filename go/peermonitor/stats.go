package peermonitor

import (
	"errors"
	"sync/atomic"

	"github.com/peermon/peermon/go/peermon"
)

// Stats counts what the monitor did, and everything it left out.
type Stats struct {
	// Published metrics, and publishes that failed (NATS unreachable: IPFS Cluster retries).
	Published, PublishErrors uint64
	// LatestMetrics calls answered from the cache, by a query, from the last answer after a
	// failed query, and with nothing at all after a failed query.
	LatestCached, LatestQueried, LatestStale, LatestFailed uint64
	// Alerts received from peermon, handed to Alerts(), dropped because the channel was full
	// (nobody reads it: repinning disabled), resolved (not relayed), muted by a silence (not
	// relayed), received twice, and messages that were not alerts of a libp2p peer.
	AlertsReceived, AlertsDelivered, AlertsDroppedFull, AlertsResolved, AlertsMuted, AlertsDuplicate, AlertsSkipped uint64
}

type counters struct {
	published, publishErrors                 atomic.Uint64
	latestCached, latestQueried, latestStale atomic.Uint64
	latestFailed                             atomic.Uint64
}

func (c *counters) latest(how latestResult) {
	switch how {
	case fromCache:
		c.latestCached.Add(1)
		record(latestM, "cache")
	case fromQuery:
		c.latestQueried.Add(1)
		record(latestM, "query")
	case fromStale:
		c.latestStale.Add(1)
		record(latestM, "stale")
	default:
		c.latestFailed.Add(1)
		record(latestM, "failed")
	}
}

// Stats returns the monitor's counters.
func (mon *Monitor) Stats() Stats {
	r := mon.relay.counters
	return Stats{
		Published:         mon.stats.published.Load(),
		PublishErrors:     mon.stats.publishErrors.Load(),
		LatestCached:      mon.stats.latestCached.Load(),
		LatestQueried:     mon.stats.latestQueried.Load(),
		LatestStale:       mon.stats.latestStale.Load(),
		LatestFailed:      mon.stats.latestFailed.Load(),
		AlertsReceived:    r.received.Load(),
		AlertsDelivered:   r.delivered.Load(),
		AlertsDroppedFull: r.droppedFull.Load(),
		AlertsResolved:    r.resolved.Load(),
		AlertsMuted:       r.muted.Load(),
		AlertsDuplicate:   r.duplicates.Load(),
		AlertsSkipped:     r.skipped.Load(),
	}
}

func isNotFound(err error) bool {
	return errors.Is(err, peermon.ErrUnknownName) || errors.Is(err, peermon.ErrNoMetric)
}
