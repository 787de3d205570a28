package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ipfs-cluster/ipfs-cluster/api"
	"github.com/nats-io/nats.go"
	"github.com/peermon/peermon/go/internal/harness"
	"github.com/peermon/peermon/go/peermon"
	"github.com/peermon/peermon/go/peermonitor"
)

// BenchmarkLatestMetrics is what the allocator pays per pin for one allocate_by metric, with 100
// peers' metrics in peermon: a query every call (latest_cache 0) or peermon's answer kept for a
// second (the default).
//
//	go test -run '^$' -bench LatestMetrics ./service/
func BenchmarkLatestMetrics(b *testing.B) {
	ns := harness.StartNats(b, "")
	harness.StartMonitor(b, ns.URL())
	nc, err := nats.Connect(ns.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	client, _ := peermon.New(nc)
	const peers = 100
	for i := 0; i < peers; i++ {
		m := api.Metric{Name: "freespace", Peer: harness.NewPeerID(b), Valid: true, Value: fmt.Sprint(i * 1000)}
		m.SetTTL(time.Hour)
		if err := client.Publish(m); err != nil {
			b.Fatal(err)
		}
	}
	harness.Eventually(b, 10*time.Second, "100 peers in latest", func() bool {
		ms, err := client.Latest(context.Background(), "freespace")
		return err == nil && len(ms) == peers
	})
	for _, cache := range []time.Duration{0, time.Second} {
		b.Run(fmt.Sprintf("latest_cache=%s", cache), func(b *testing.B) {
			cfg := &peermonitor.Config{}
			_ = cfg.Default()
			cfg.NatsURL, cfg.Auth, cfg.LatestCache = ns.URL(), peermonitor.AuthNone, cache
			mon, err := peermonitor.New(context.Background(), cfg, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer mon.Shutdown(context.Background())
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if got := mon.LatestMetrics(ctx, "freespace"); len(got) != peers {
					b.Fatalf("%d metrics, want %d", len(got), peers)
				}
			}
		})
	}
}
