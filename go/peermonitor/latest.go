package peermonitor

import (
	"context"
	"sync"
	"time"

	"github.com/ipfs-cluster/ipfs-cluster/api"
	"golang.org/x/sync/singleflight"
)

// latestCache keeps the last `latest` answer of each name. A fresh answer (younger than the
// cache's life) serves LatestMetrics without a query; concurrent callers of a stale name share one
// query; when the query fails, the last answer still serves, each metric only while it is valid
// by its own expiry (a monitor or link hiccup does not empty the peerset).
type latestCache struct {
	life  time.Duration
	now   func() time.Time
	fetch func(ctx context.Context, name string) ([]api.Metric, error)

	flight singleflight.Group
	mu     sync.Mutex
	byName map[string]cachedLatest
}

type cachedLatest struct {
	metrics []api.Metric
	at      time.Time
}

// latestResult says where an answer came from, for the counters.
type latestResult int

const (
	fromCache latestResult = iota
	fromQuery
	fromStale
	fromNothing
)

func newLatestCache(life time.Duration, now func() time.Time, fetch func(context.Context, string) ([]api.Metric, error)) *latestCache {
	return &latestCache{life: life, now: now, fetch: fetch, byName: map[string]cachedLatest{}}
}

// get returns name's latest valid metrics (expired ones left out, on this host's clock).
func (c *latestCache) get(ctx context.Context, name string) ([]api.Metric, latestResult, error) {
	if c.life > 0 {
		if e, ok := c.lookup(name); ok && c.now().Sub(e.at) < c.life {
			return c.valid(e.metrics), fromCache, nil
		}
	}
	v, err, _ := c.flight.Do(name, func() (any, error) {
		ms, err := c.fetch(ctx, name)
		if err != nil {
			return nil, err
		}
		c.store(name, ms)
		return ms, nil
	})
	if err == nil {
		return c.valid(v.([]api.Metric)), fromQuery, nil
	}
	if e, ok := c.lookup(name); ok {
		return c.valid(e.metrics), fromStale, err
	}
	return nil, fromNothing, err
}

// drop forgets name's answer: an alert of it changed what is valid.
func (c *latestCache) drop(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byName[name]; ok {
		// Kept for a failing query, never fresh again.
		c.byName[name] = cachedLatest{metrics: e.metrics}
	}
}

// names lists the names answered so far.
func (c *latestCache) names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.byName))
	for n := range c.byName {
		out = append(out, n)
	}
	return out
}

func (c *latestCache) lookup(name string) (cachedLatest, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byName[name]
	return e, ok
}

func (c *latestCache) store(name string, ms []api.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byName[name] = cachedLatest{metrics: ms, at: c.now()}
}

func (c *latestCache) valid(ms []api.Metric) []api.Metric {
	now := c.now().UnixNano()
	out := make([]api.Metric, 0, len(ms))
	for _, m := range ms {
		if m.Valid && m.Expire > now {
			out = append(out, m)
		}
	}
	return out
}
