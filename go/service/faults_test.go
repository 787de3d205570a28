package service_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ipfs-cluster/ipfs-cluster/api"
	peer "github.com/libp2p/go-libp2p/core/peer"
	"github.com/peermon/peermon/go/internal/harness"
	"github.com/peermon/peermon/go/peermon"
	"github.com/peermon/peermon/go/peermonitor"
)

// quiet is how long a test watches for something that must not happen: several ttls of the
// ping, so that any expiry the monitor could judge has been judged.
const quiet = 4 * pingTTL

func TestADeadPeerIsAlertedOnceAndItsPinsMoveToLivePeers(t *testing.T) {
	s := startStack(t, 4, harness.ClusterSpec{Repinning: true, ReplicationMin: 2, ReplicationMax: 2})
	ctx := context.Background()
	pins := harness.PinAll(t, s.cluster.Peers[0], 12)
	dead := s.cluster.Peers[3]
	if len(pinsOn(pins, dead.Host.ID())) == 0 {
		t.Fatal("no pin allocated to the peer that will die: pin more")
	}

	s.cluster.Stop(dead)

	harness.Eventually(t, 20*time.Second, "peermon alerts the dead peer's ping", func() bool {
		return s.alerts.Count(peermon.Firing, "ping", dead.Host.ID()) == 1
	})
	harness.Eventually(t, 10*time.Second, "the live peers' Alerts() got the alert", func() bool {
		for _, p := range s.cluster.Live() {
			if hasPingAlert(p, dead.Host.ID()) {
				return true
			}
		}
		return false
	})
	harness.Eventually(t, 30*time.Second, "every pin of the dead peer re-allocated to live peers", func() bool {
		return len(pinsOnNow(t, s.cluster.Live()[0], pins, dead.Host.ID())) == 0
	})
	for c := range pins {
		pin, err := s.cluster.Live()[0].Cluster.PinGet(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range pin.Allocations {
			if !harness.ContainsPeer(harness.IDs(s.cluster.Live()), a) {
				t.Fatalf("pin %s allocated to %s, not a live peer", c, a)
			}
		}
	}
	time.Sleep(quiet)
	if n := s.alerts.Count(peermon.Firing, "ping", dead.Host.ID()); n != 1 {
		t.Fatalf("the dead peer's ping alerted %d times, want once", n)
	}
}

func TestHalfTheClusterLostAtOnceIsOneDisruptionAndNoRepin(t *testing.T) {
	s := startStack(t, 5, harness.ClusterSpec{Repinning: true, ReplicationMin: 2, ReplicationMax: 2})
	pins := harness.PinAll(t, s.cluster.Peers[0], 10)
	var mu sync.Mutex
	var events []peermon.Disruption
	stop, err := s.client.FollowDisruptions(func(d peermon.Disruption) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, d)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	lost := s.cluster.Peers[2:]
	var wg sync.WaitGroup
	for _, p := range lost {
		wg.Add(1)
		go func() { defer wg.Done(); s.cluster.Stop(p) }()
	}
	wg.Wait()

	harness.Eventually(t, 20*time.Second, "a disruption of ping started", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return countStarted(events, "ping") == 1
	})
	time.Sleep(quiet)
	mu.Lock()
	started := countStarted(events, "ping")
	mu.Unlock()
	if started != 1 {
		t.Fatalf("%d disruptions of ping started, want one", started)
	}
	for _, p := range lost {
		if n := s.alerts.Count(peermon.Firing, "ping", p.Host.ID()); n != 0 {
			t.Fatalf("%s's ping fired %d times during the disruption", p.Name, n)
		}
	}
	for _, p := range s.cluster.Live() {
		if alerts := p.Cluster.Alerts(); len(alerts) != 0 {
			t.Fatalf("%s's Alerts() got %d alerts during the disruption", p.Name, len(alerts))
		}
	}
	if moved := repinned(t, s.cluster.Live()[0], pins); moved != 0 {
		t.Fatalf("%d pins re-allocated during the disruption, want none (a repin storm)", moved)
	}

	// The operator decides the failures are real: the held alerts fire, and the pins move.
	if _, err := s.client.ReleaseDisruption(context.Background(), "ping"); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, 20*time.Second, "the released alerts reach the cluster and its pins move", func() bool {
		return repinned(t, s.cluster.Live()[0], pins) > 0
	})
	for _, p := range lost {
		if n := s.alerts.Count(peermon.Firing, "ping", p.Host.ID()); n != 1 {
			t.Fatalf("%s's ping fired %d times after the release, want once", p.Name, n)
		}
	}
}

func TestNobodyReadingAlertsBlocksNothingAndDropsAreCounted(t *testing.T) {
	// IPFS Cluster's default: repinning disabled, so its alert handler returns on the first ping
	// alert and never reads Alerts() again.
	s := startStack(t, 2, harness.ClusterSpec{})
	ctx := context.Background()
	ghost := harness.NewPeerID(t)
	publish(t, s.client, "ping", ghost, time.Second)
	harness.Eventually(t, 20*time.Second, "the cluster saw a ping alert (and stopped reading)", func() bool {
		return hasPingAlert(s.cluster.Peers[0], ghost)
	})
	// Each on a name of its own: hundreds of peers of one name expiring together would be a
	// disruption, which holds their alerts.
	const burst = 320
	for i := 0; i < burst; i++ {
		publish(t, s.client, fmt.Sprintf("burst%d", i), harness.NewPeerID(t), time.Second)
	}
	mon := s.cluster.Peers[0].Monitor.(*peermonitor.Monitor)
	harness.Eventually(t, 30*time.Second, "the burst's alerts arrive: what finds Alerts() full is dropped and counted", func() bool {
		st := mon.Stats()
		return st.AlertsDelivered+st.AlertsDroppedFull >= burst+1
	}, func() string { return fmt.Sprintf("%+v", mon.Stats()) })
	st := mon.Stats()
	// The cluster read the ghost's alert; the burst then filled the 256 slots, and the rest dropped.
	if want := uint64(burst - peermonitor.DefaultAlertBuffer); st.AlertsDroppedFull != want || st.AlertsDelivered != 1+peermonitor.DefaultAlertBuffer {
		t.Fatalf("delivered %d and dropped %d, want %d and %d", st.AlertsDelivered, st.AlertsDroppedFull, 1+peermonitor.DefaultAlertBuffer, want)
	}
	// Nothing blocked: the peers still publish and the peerset still answers.
	live := harness.IDs(s.cluster.Peers)
	if got := pingPeers(s.cluster.Peers[0]); !harness.SamePeers(got, live) {
		t.Fatalf("LatestMetrics(ping) = %v after the burst, want %v", got, live)
	}
	before, err := s.client.Peer(ctx, "ping", live[1])
	if err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, 10*time.Second, "pings still flow to peermon", func() bool {
		now, err := s.client.Peer(ctx, "ping", live[1])
		return err == nil && now.ReceivedAt > before.ReceivedAt
	})
}

func TestNatsAndPeermonRestartsRaiseNoAlertAndMoveNoPin(t *testing.T) {
	s := startStack(t, 4, harness.ClusterSpec{Repinning: true, ReplicationMin: 2, ReplicationMax: 2})
	pins := harness.PinAll(t, s.cluster.Peers[0], 8)

	s.nats.Restart(2 * time.Second)
	s.waitPeerset(s.cluster.Peers)
	time.Sleep(quiet)
	s.monitor.Restart(s.nats.URL())
	s.waitPeerset(s.cluster.Peers)
	time.Sleep(quiet)

	if f := s.alerts.Alerts(func(a peermon.Alert) bool { return a.Kind == peermon.Firing }); len(f) != 0 {
		t.Fatalf("%d firing alerts, want none: %v", len(f), f)
	}
	for _, p := range s.cluster.Peers {
		if alerts := p.Cluster.Alerts(); len(alerts) != 0 {
			t.Fatalf("%s's Alerts() got %v", p.Name, alerts)
		}
	}
	if moved := repinned(t, s.cluster.Peers[0], pins); moved != 0 {
		t.Fatalf("%d pins re-allocated, want none", moved)
	}
}

func hasPingAlert(p *harness.Peer, pid peer.ID) bool {
	for _, a := range p.Cluster.Alerts() {
		if a.Name == "ping" && a.Peer == pid {
			return true
		}
	}
	return false
}

func countStarted(events []peermon.Disruption, name string) int {
	n := 0
	for _, e := range events {
		if e.Name == name && e.Started {
			n++
		}
	}
	return n
}

// pinsOn are the pins allocated to pid at pinning time.
func pinsOn(pins map[api.Cid][]peer.ID, pid peer.ID) []api.Cid {
	var out []api.Cid
	for c, allocs := range pins {
		if harness.ContainsPeer(allocs, pid) {
			out = append(out, c)
		}
	}
	return out
}

// pinsOnNow are the pins allocated to pid now, as p's shared state says.
func pinsOnNow(t *testing.T, p *harness.Peer, pins map[api.Cid][]peer.ID, pid peer.ID) []api.Cid {
	var out []api.Cid
	for c := range pins {
		pin, err := p.Cluster.PinGet(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if harness.ContainsPeer(pin.Allocations, pid) {
			out = append(out, c)
		}
	}
	return out
}

// repinned counts the pins whose allocations changed since pinning.
func repinned(t *testing.T, p *harness.Peer, pins map[api.Cid][]peer.ID) int {
	n := 0
	for c, before := range pins {
		pin, err := p.Cluster.PinGet(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if !harness.SamePeers(pin.Allocations, before) {
			n++
		}
	}
	return n
}
