package peermonitor

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipfs-cluster/ipfs-cluster/api"
	"github.com/ipfs-cluster/ipfs-cluster/test"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func metricUntil(c *fakeClock, ttl time.Duration) api.Metric {
	return api.Metric{Name: "freespace", Peer: test.PeerID1, Valid: true, Expire: c.t.Add(ttl).UnixNano()}
}

func TestLatestCache(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	var queries atomic.Int32
	var fail atomic.Bool
	answer := []api.Metric{metricUntil(clock, 3*time.Second)}
	cache := newLatestCache(time.Second, clock.now, func(context.Context, string) ([]api.Metric, error) {
		queries.Add(1)
		if fail.Load() {
			return nil, errors.New("no monitor")
		}
		return answer, nil
	})
	ctx := context.Background()
	get := func() ([]api.Metric, latestResult) {
		ms, how, _ := cache.get(ctx, "freespace")
		return ms, how
	}

	if ms, how := get(); how != fromQuery || len(ms) != 1 || queries.Load() != 1 {
		t.Fatalf("first call: %v %v after %d queries", ms, how, queries.Load())
	}
	clock.advance(999 * time.Millisecond)
	if _, how := get(); how != fromCache || queries.Load() != 1 {
		t.Fatalf("within the cache's life: %v after %d queries", how, queries.Load())
	}
	clock.advance(time.Millisecond)
	if _, how := get(); how != fromQuery || queries.Load() != 2 {
		t.Fatalf("at the cache's life: %v after %d queries", how, queries.Load())
	}
	cache.drop("freespace")
	if _, how := get(); how != fromQuery || queries.Load() != 3 {
		t.Fatalf("after an alert dropped it: %v", how)
	}

	fail.Store(true)
	clock.advance(1500 * time.Millisecond)
	if ms, how := get(); how != fromStale || len(ms) != 1 {
		t.Fatalf("a failed query answers from the last answer while its metrics are valid: %v %v", ms, how)
	}
	clock.advance(time.Second)
	if ms, how := get(); how != fromStale || len(ms) != 0 {
		t.Fatalf("a metric past its own expiry is never served: %v %v", ms, how)
	}
	if _, how, err := cache.get(ctx, "never-asked"); how != fromNothing || err == nil {
		t.Fatalf("a failed query with no earlier answer: %v %v", how, err)
	}
}

func TestLatestCacheOfZeroAsksEveryTime(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	var queries atomic.Int32
	cache := newLatestCache(0, clock.now, func(context.Context, string) ([]api.Metric, error) {
		queries.Add(1)
		return nil, nil
	})
	for i := 0; i < 3; i++ {
		cache.get(context.Background(), "ping")
	}
	if queries.Load() != 3 {
		t.Fatalf("%d queries, want 3", queries.Load())
	}
}
