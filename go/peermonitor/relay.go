package peermonitor

import (
	"sync"
	"sync/atomic"

	"github.com/ipfs-cluster/ipfs-cluster/api"
	"github.com/peermon/peermon/go/peermon"
)

// alertRelay hands peermon's alerts to IPFS Cluster's Alerts() channel as IPFS Cluster expects
// them: firing only, once per alert message. It never blocks: IPFS Cluster stops reading the
// channel for good after its first ping alert when repinning is disabled (the default), so an
// alert that finds the channel full is dropped and counted.
//
// What is left out, deliberately:
//   - resolved alerts: IPFS Cluster has no notion of a peer coming back (its next valid metric is
//     the sign); they only drop the name's cached `latest` answer;
//   - muted alerts (a peermon silence matched): a maintenance window pages nobody and moves no
//     data; when the silence ends while the peer is still down, peermon publishes the firing
//     alert again unmuted, and that one is relayed;
//   - a message seen twice (the alert log delivers at least once).
type alertRelay struct {
	out      chan api.Alert
	changed  func(name string)
	onDrop   func(total uint64)
	seen     *recentIDs
	counters *relayCounters
}

type relayCounters struct {
	received, delivered, droppedFull, resolved, muted, duplicates, skipped atomic.Uint64
}

func newAlertRelay(capacity int, changed func(string), onDrop func(uint64)) *alertRelay {
	return &alertRelay{
		out:      make(chan api.Alert, capacity),
		changed:  changed,
		onDrop:   onDrop,
		seen:     newRecentIDs(4096),
		counters: &relayCounters{},
	}
}

func (r *alertRelay) relay(a peermon.Alert) {
	c := r.counters
	c.received.Add(1)
	r.changed(a.Name)
	switch {
	case !r.seen.add(a.ID):
		c.duplicates.Add(1)
		record(alertsM, "duplicate")
	case a.Kind == peermon.Resolved:
		c.resolved.Add(1)
		record(alertsM, "resolved")
	case a.Muted:
		c.muted.Add(1)
		record(alertsM, "muted")
	default:
		select {
		case r.out <- a.Alert:
			c.delivered.Add(1)
			record(alertsM, "delivered")
		default:
			r.onDrop(c.droppedFull.Add(1))
			record(alertsM, "dropped_full")
		}
	}
}

// recentIDs remembers the last n alert ids, to pass each alert message once.
type recentIDs struct {
	mu   sync.Mutex
	ring []string
	next int
	set  map[string]struct{}
}

func newRecentIDs(n int) *recentIDs {
	return &recentIDs{ring: make([]string, n), set: make(map[string]struct{}, n)}
}

// add reports whether id is new (an empty id always is).
func (s *recentIDs) add(id string) bool {
	if id == "" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.set[id]; ok {
		return false
	}
	delete(s.set, s.ring[s.next])
	s.ring[s.next] = id
	s.set[id] = struct{}{}
	s.next = (s.next + 1) % len(s.ring)
	return true
}
