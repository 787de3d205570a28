package peermonitor

import (
	"sync"
	"time"

	"github.com/ipfs-cluster/ipfs-cluster/api"
	peer "github.com/libp2p/go-libp2p/core/peer"
)

// localMetrics holds what LogMetric recorded for other peers: valid on this host until their own
// expiry, and only where peermon has nothing valid of that peer.
type localMetrics struct {
	mu     sync.Mutex
	byName map[string]map[peer.ID]api.Metric
}

func newLocalMetrics() *localMetrics {
	return &localMetrics{byName: map[string]map[peer.ID]api.Metric{}}
}

func (l *localMetrics) add(m api.Metric) {
	l.mu.Lock()
	defer l.mu.Unlock()
	byPeer := l.byName[m.Name]
	if byPeer == nil {
		byPeer = map[peer.ID]api.Metric{}
		l.byName[m.Name] = byPeer
	}
	m.ReceivedAt = time.Now().UnixNano()
	byPeer[m.Peer] = m
}

func (l *localMetrics) get(name string, pid peer.ID) (api.Metric, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m, ok := l.byName[name][pid]
	return m, ok
}

// merge adds to ms the valid local metrics of name whose peer ms lacks, and forgets expired ones.
func (l *localMetrics) merge(name string, ms []api.Metric, now time.Time) []api.Metric {
	l.mu.Lock()
	defer l.mu.Unlock()
	byPeer := l.byName[name]
	if len(byPeer) == 0 {
		return ms
	}
	present := make(map[peer.ID]bool, len(ms))
	for _, m := range ms {
		present[m.Peer] = true
	}
	for pid, m := range byPeer {
		switch {
		case m.Expire <= now.UnixNano():
			delete(byPeer, pid)
		case !present[pid] && m.Valid:
			ms = append(ms, m)
		}
	}
	return ms
}
