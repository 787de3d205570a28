package peermon_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ipfs-cluster/ipfs-cluster/api"
	peer "github.com/libp2p/go-libp2p/core/peer"
	"github.com/nats-io/nats.go"
	"github.com/peermon/peermon/go/internal/harness"
	"github.com/peermon/peermon/go/peermon"
)

func connect(t *testing.T, url string, opts ...peermon.Option) *peermon.Client {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	c, err := peermon.New(nc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func metric(name string, pid peer.ID, now time.Time, ttl time.Duration) api.Metric {
	return api.Metric{Name: name, Peer: pid, Value: "42", Valid: true, Weight: 7, Expire: now.Add(ttl).UnixNano()}
}

// waitLatest waits until latest name lists want peers.
func waitLatest(t *testing.T, c *peermon.Client, name string, n int) []peermon.Metric {
	t.Helper()
	var got []peermon.Metric
	harness.Eventually(t, 10*time.Second, "latest "+name, func() bool {
		ms, err := c.Latest(context.Background(), name)
		got = ms
		return err == nil && len(ms) == n
	})
	return got
}

func TestClient(t *testing.T) {
	ns := harness.StartNats(t, "")
	harness.StartMonitor(t, ns.URL())
	c := connect(t, ns.URL())
	ctx := context.Background()

	t.Run("a peer whose clock is an hour behind publishes metrics that live their ttl", func(t *testing.T) {
		behind := time.Now().Add(-time.Hour)
		skewed := connect(t, ns.URL(), peermon.WithClock(func() time.Time { return behind }))
		p := harness.NewPeerID(t)
		if err := skewed.Publish(metric("skewed", p, behind, 30*time.Second)); err != nil {
			t.Fatal(err)
		}
		ms := waitLatest(t, c, "skewed", 1)
		m := ms[0]
		if m.Peer != p || m.Value != "42" || m.Weight != 7 || !m.Valid {
			t.Fatalf("got %+v", m)
		}
		if m.TTL < 29*time.Second || m.TTL > 30*time.Second || m.Remaining < 25*time.Second {
			t.Fatalf("ttl %s remaining %s: the ttl on the wire must be what remained at publish", m.TTL, m.Remaining)
		}
		if m.Discard() {
			t.Fatal("on this host's clock the metric must be valid")
		}
	})

	t.Run("a reader whose clock is an hour ahead sees the monitor's answer on its own clock", func(t *testing.T) {
		ahead := func() time.Time { return time.Now().Add(time.Hour) }
		reader := connect(t, ns.URL(), peermon.WithClock(ahead))
		p := harness.NewPeerID(t)
		if err := c.Publish(metric("ahead", p, time.Now(), 30*time.Second)); err != nil {
			t.Fatal(err)
		}
		waitLatest(t, c, "ahead", 1)
		ms, err := reader.Latest(ctx, "ahead")
		if err != nil || len(ms) != 1 {
			t.Fatalf("latest: %v %v", ms, err)
		}
		// The metric expires in about 30 s by the monitor's clock (Peermon-Now): on the reader's
		// clock that is about an hour and 30 s from the real now.
		left := time.Unix(0, ms[0].Expire).Sub(ahead())
		if left < 25*time.Second || left > 31*time.Second {
			t.Fatalf("on the reader's clock the metric has %s left, want about 30 s", left)
		}
	})

	t.Run("errors say what happened", func(t *testing.T) {
		if _, err := c.Latest(ctx, "nosuchname"); !errors.Is(err, peermon.ErrUnknownName) {
			t.Fatalf("latest of an unknown name: %v", err)
		}
		if _, err := c.Peer(ctx, "skewed", harness.NewPeerID(t)); !errors.Is(err, peermon.ErrNoMetric) {
			t.Fatalf("peer without a metric: %v", err)
		}
		if _, err := c.Latest(ctx, "two.tokens"); !errors.Is(err, peermon.ErrBadToken) {
			t.Fatalf("a name with a dot: %v", err)
		}
		other := connect(t, ns.URL(), peermon.WithPrefix("elsewhere"))
		if _, err := other.Names(ctx); !errors.Is(err, peermon.ErrNoMonitor) {
			t.Fatalf("no monitor on that prefix: %v", err)
		}
	})

	t.Run("names and peer", func(t *testing.T) {
		p := harness.NewPeerID(t)
		if err := c.Publish(metric("named", p, time.Now(), time.Minute)); err != nil {
			t.Fatal(err)
		}
		waitLatest(t, c, "named", 1)
		names, err := c.Names(ctx)
		if err != nil || !contains(names, "named") {
			t.Fatalf("names %v, %v", names, err)
		}
		m, err := c.Peer(ctx, "named", p)
		if err != nil || m.Peer != p || m.Remaining <= 0 {
			t.Fatalf("peer: %+v, %v", m, err)
		}
	})

	t.Run("the peerset decides who is queried", func(t *testing.T) {
		a, b := harness.NewPeerID(t), harness.NewPeerID(t)
		for _, p := range []peer.ID{a, b} {
			if err := c.Publish(metric("members", p, time.Now(), time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		waitLatest(t, c, "members", 2)
		if err := c.SetPeerSet(ctx, []peer.ID{a}); err != nil {
			t.Fatal(err)
		}
		ms := waitLatest(t, c, "members", 1)
		if ms[0].Peer != a {
			t.Fatalf("latest after the peerset: %v", ms[0].Peer)
		}
	})
}

func TestFollowAlertsRidesOutANatsRestart(t *testing.T) {
	ns := harness.StartNats(t, "")
	harness.StartMonitor(t, ns.URL(), "--grace", "1s")
	c := connect(t, ns.URL())
	var mu sync.Mutex
	var got []peermon.Alert
	f, err := c.FollowAlerts(context.Background(), peermon.AlertHandlers{Alert: func(a peermon.Alert) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, a)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Stop()
	if f.Source != peermon.FromLog {
		t.Fatalf("with JetStream the follower reads the alert log, not %s", f.Source)
	}
	firingOf := func(p peer.ID) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, a := range got {
				if a.Peer == p && a.Kind == peermon.Firing && a.Name == "beat" && a.Episode == a.ID {
					return true
				}
			}
			return false
		}
	}
	before := harness.NewPeerID(t)
	if err := c.Publish(metric("beat", before, time.Now(), time.Second)); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, 15*time.Second, "the firing alert of a peer that went silent", firingOf(before))

	ns.Restart(time.Second)
	after := harness.NewPeerID(t)
	// A peer keeps publishing: the first metrics after the restart may reach the server before
	// the monitor has reconnected.
	harness.Eventually(t, 15*time.Second, "the monitor holds a metric published after the restart", func() bool {
		_ = c.Publish(metric("beat", after, time.Now(), time.Second))
		_, err := c.Peer(context.Background(), "beat", after)
		return err == nil
	})
	harness.Eventually(t, 20*time.Second, "the alert of a peer that went silent after NATS restarted", firingOf(after), func() string {
		mu.Lock()
		defer mu.Unlock()
		m, err := c.Peer(context.Background(), "beat", after)
		return fmt.Sprintf("%d alerts; peer beat after: %+v %v", len(got), m, err)
	})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
