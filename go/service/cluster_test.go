package service_test

import (
	"context"
	"os"
	"testing"
	"time"

	ipfscluster "github.com/ipfs-cluster/ipfs-cluster"
	"github.com/ipfs-cluster/ipfs-cluster/api"
	peer "github.com/libp2p/go-libp2p/core/peer"
	"github.com/nats-io/nats.go"
	"github.com/peermon/peermon/go/internal/harness"
	"github.com/peermon/peermon/go/peermon"
	"github.com/peermon/peermon/go/service"
)

// The clusters of these tests run IPFS Cluster's defaults with the intervals divided by 15: a
// ping every second with a ttl of two (IPFS Cluster: 15 s and 30 s), disk metrics every second
// with a ttl of two.
const (
	pingInterval = time.Second
	pingTTL      = 2 * pingInterval
)

func TestMain(m *testing.M) {
	for f := range ipfscluster.LoggingFacilities {
		ipfscluster.SetFacilityLogLevel(f, "ERROR")
	}
	for f := range ipfscluster.LoggingFacilitiesExtra {
		ipfscluster.SetFacilityLogLevel(f, "ERROR")
	}
	ipfscluster.SetFacilityLogLevel("peermon", "ERROR")
	os.Exit(m.Run())
}

// stack is a nats-server with the repo's nats.conf, a `peermon serve`, a cluster of peers on it,
// and a peermon client watching from outside.
type stack struct {
	t       *testing.T
	nats    *harness.NatsServer
	monitor *harness.Monitor
	cluster *harness.Cluster
	client  *peermon.Client
	alerts  *harness.AlertLog
}

func startStack(t *testing.T, peers int, spec harness.ClusterSpec, serveArgs ...string) *stack {
	t.Helper()
	ns := harness.StartNats(t, "")
	args := append([]string{"--grace", "5s", "--checkpoint-interval", "1s", "--disruption-min-peers", "3"}, serveArgs...)
	mon := harness.StartMonitor(t, ns.URL(), args...)
	nc, err := nats.Connect(ns.URL(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	client, err := peermon.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	log := harness.FollowAlerts(t, client)
	spec.Monitor = service.Peermon
	spec.NatsURL = ns.URL()
	if spec.PingInterval == 0 {
		spec.PingInterval = pingInterval
	}
	if spec.InformerTTL == 0 {
		spec.InformerTTL = pingTTL
	}
	c := harness.StartCluster(t, peers, spec)
	s := &stack{t: t, nats: ns, monitor: mon, cluster: c, client: client, alerts: log}
	s.waitPeerset(c.Live())
	return s
}

// waitPeerset waits until every live peer's LatestMetrics("ping") (CRDT's peerset) lists exactly
// the given peers.
func (s *stack) waitPeerset(want []*harness.Peer) {
	ids := harness.IDs(want)
	harness.Eventually(s.t, 60*time.Second, "every live peer's LatestMetrics(ping) lists the live peers", func() bool {
		for _, p := range want {
			if !harness.SamePeers(pingPeers(p), ids) {
				return false
			}
		}
		return true
	})
}

func pingPeers(p *harness.Peer) []peer.ID {
	var out []peer.ID
	for _, m := range p.Monitor.LatestMetrics(context.Background(), "ping") {
		out = append(out, m.Peer)
	}
	return out
}

func TestClusterPeersRunOnPeermon(t *testing.T) {
	s := startStack(t, 4, harness.ClusterSpec{ReplicationMin: 2, ReplicationMax: 2})
	ctx := context.Background()
	live := harness.IDs(s.cluster.Peers)

	t.Run("pings and informer metrics reach peermon", func(t *testing.T) {
		for _, name := range []string{"ping", "freespace"} {
			harness.Eventually(t, 20*time.Second, name+" of every peer in peermon's latest", func() bool {
				ms, err := s.client.Latest(ctx, name)
				if err != nil {
					return false
				}
				var got []peer.ID
				for _, m := range ms {
					got = append(got, m.Peer)
				}
				return harness.SamePeers(got, live)
			})
		}
		names, err := s.client.Names(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !contains(names, "ping") || !contains(names, "freespace") {
			t.Fatalf("names %v lack ping or freespace", names)
		}
	})

	t.Run("the cluster's peerset is peermon's latest pings", func(t *testing.T) {
		for _, p := range s.cluster.Peers {
			if got := pingPeers(p); !harness.SamePeers(got, live) {
				t.Fatalf("%s: LatestMetrics(ping) = %v, want %v", p.Name, got, live)
			}
			out := make(chan api.ID, 16)
			go p.Cluster.Peers(ctx, out)
			n := 0
			for range out {
				n++
			}
			if n != len(live) {
				t.Fatalf("%s: Cluster.Peers lists %d peers, want %d", p.Name, n, len(live))
			}
		}
	})

	t.Run("a pin with a replication factor is allocated from peermon's metrics", func(t *testing.T) {
		pins := harness.PinAll(t, s.cluster.Peers[1], 5)
		for c, allocs := range pins {
			if len(allocs) != 2 {
				t.Fatalf("pin %s allocated to %d peers, want 2", c, len(allocs))
			}
			for _, a := range allocs {
				if !harness.ContainsPeer(live, a) {
					t.Fatalf("pin %s allocated to %s, not a live peer", c, a)
				}
			}
		}
	})

	t.Run("LatestForPeer and MetricNames ask peermon", func(t *testing.T) {
		p := s.cluster.Peers[0]
		m := p.Monitor.LatestForPeer(ctx, "freespace", s.cluster.Peers[2].Host.ID())
		if m.Name != "freespace" || m.Peer != s.cluster.Peers[2].Host.ID() || m.Discard() {
			t.Fatalf("LatestForPeer(freespace, peer-2) = %+v", m)
		}
		if z := p.Monitor.LatestForPeer(ctx, "nosuchname", s.cluster.Peers[2].Host.ID()); z.Defined() {
			t.Fatalf("an unknown name must give the zero metric, got %+v", z)
		}
		if names := p.Monitor.MetricNames(ctx); !contains(names, "ping") {
			t.Fatalf("MetricNames = %v", names)
		}
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

// publish sends one valid metric of name for pid with the given ttl, from outside the cluster.
func publish(t *testing.T, c *peermon.Client, name string, pid peer.ID, ttl time.Duration) {
	t.Helper()
	m := api.Metric{Name: name, Peer: pid, Valid: true, Value: "1"}
	m.SetTTL(ttl)
	if err := c.Publish(m); err != nil {
		t.Fatal(err)
	}
}
