package peermonitor

import (
	"testing"

	"github.com/ipfs-cluster/ipfs-cluster/api"
	"github.com/ipfs-cluster/ipfs-cluster/test"
	"github.com/peermon/peermon/go/peermon"
	"go.opencensus.io/stats/view"
)

func alert(id string, kind peermon.AlertKind, muted bool) peermon.Alert {
	a := peermon.Alert{ID: id, Kind: kind, Muted: muted}
	a.Metric = api.Metric{Name: "ping", Peer: test.PeerID1}
	return a
}

func TestTheRelayPassesFiringAlertsOnceAndNeverWaits(t *testing.T) {
	var changed []string
	drops := uint64(0)
	r := newAlertRelay(2, func(n string) { changed = append(changed, n) }, func(total uint64) { drops = total })

	r.relay(alert("A", peermon.Firing, false))
	r.relay(alert("A", peermon.Firing, false)) // the log delivered it twice
	r.relay(alert("B", peermon.Resolved, false))
	r.relay(alert("C", peermon.Firing, true)) // a silence matched
	r.relay(alert("D", peermon.Firing, false))
	r.relay(alert("E", peermon.Firing, false)) // the channel (2) is full: dropped at once

	c := r.counters
	got := []uint64{c.received.Load(), c.delivered.Load(), c.duplicates.Load(), c.resolved.Load(), c.muted.Load(), c.droppedFull.Load()}
	want := []uint64{6, 2, 1, 1, 1, 1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("received, delivered, duplicates, resolved, muted, dropped = %v, want %v", got, want)
		}
	}
	if drops != 1 || len(changed) != 6 {
		t.Fatalf("drops told %d, name changes %d", drops, len(changed))
	}
	if first := <-r.out; first.Peer != test.PeerID1 || first.Name != "ping" {
		t.Fatalf("delivered %+v", first)
	}
}

func TestRecentIDsForgetsTheOldest(t *testing.T) {
	s := newRecentIDs(2)
	for _, id := range []string{"a", "b", "c"} {
		if !s.add(id) {
			t.Fatalf("%s is new", id)
		}
	}
	if !s.add("a") || s.add("c") {
		t.Fatal("a was forgotten after two newer ids; c is remembered")
	}
}

func TestWhatTheRelayDropsReachesIPFSClustersMetrics(t *testing.T) {
	r := newAlertRelay(1, func(string) {}, func(uint64) {})
	r.relay(alert("M1", peermon.Firing, false))
	r.relay(alert("M2", peermon.Firing, false)) // full
	rows, err := view.RetrieveData("peermon_alerts")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, row := range rows {
		for _, tg := range row.Tags {
			seen[tg.Value] = true
		}
	}
	if !seen["delivered"] || !seen["dropped_full"] {
		t.Fatalf("peermon_alerts rows by outcome: %v", seen)
	}
}
