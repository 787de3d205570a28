package peermonitor

import (
	"context"
	"sync"

	"go.opencensus.io/stats"
	"go.opencensus.io/stats/view"
	"go.opencensus.io/tag"
)

// What the monitor counts also goes to IPFS Cluster's own metrics (OpenCensus, the Prometheus
// endpoint of `observations.metrics` when `enable_stats` is on), by outcome:
// peermon_alerts{outcome=delivered|dropped_full|resolved|muted|duplicate|skipped},
// peermon_latest{source=cache|query|stale|failed}, peermon_published{outcome=ok|error}.
var (
	outcomeKey = tag.MustNewKey("outcome")
	alertsM    = stats.Int64("peermon/alerts", "peermon alerts received, by what became of them", stats.UnitDimensionless)
	latestM    = stats.Int64("peermon/latest", "LatestMetrics calls, by where the answer came from", stats.UnitDimensionless)
	publishedM = stats.Int64("peermon/published", "metrics published to peermon, by outcome", stats.UnitDimensionless)

	views = []*view.View{
		{Name: "peermon_alerts", Measure: alertsM, TagKeys: []tag.Key{outcomeKey}, Aggregation: view.Count()},
		{Name: "peermon_latest", Measure: latestM, TagKeys: []tag.Key{outcomeKey}, Aggregation: view.Count()},
		{Name: "peermon_published", Measure: publishedM, TagKeys: []tag.Key{outcomeKey}, Aggregation: view.Count()},
	}
	registerViews sync.Once
)

// record counts one event of m with outcome.
func record(m *stats.Int64Measure, outcome string) {
	registerViews.Do(func() {
		if err := view.Register(views...); err != nil {
			logger.Warnf("registering peermon's metrics with IPFS Cluster's: %s", err)
		}
	})
	_ = stats.RecordWithTags(context.Background(), []tag.Mutator{tag.Upsert(outcomeKey, outcome)}, m.M(1))
}
