package harness

import (
	"context"
	"sort"
	"sync"
	"testing"

	crypto "github.com/libp2p/go-libp2p/core/crypto"
	peer "github.com/libp2p/go-libp2p/core/peer"
	"github.com/peermon/peermon/go/peermon"
)

// NewPeerID is the id of a new Ed25519 identity: a peer no cluster knows.
func NewPeerID(tb testing.TB) peer.ID {
	tb.Helper()
	priv, _, err := crypto.GenerateEd25519Key(nil)
	if err != nil {
		tb.Fatal(err)
	}
	id, err := peer.IDFromPrivateKey(priv)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// SamePeers reports whether a and b hold the same peers, in any order.
func SamePeers(a, b []peer.ID) bool {
	if len(a) != len(b) {
		return false
	}
	x := append([]peer.ID(nil), a...)
	y := append([]peer.ID(nil), b...)
	sort.Slice(x, func(i, j int) bool { return x[i] < x[j] })
	sort.Slice(y, func(i, j int) bool { return y[i] < y[j] })
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// ContainsPeer reports whether ids holds id.
func ContainsPeer(ids []peer.ID, id peer.ID) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

// AlertLog records every alert peermon publishes, as an outside consumer sees them.
type AlertLog struct {
	mu  sync.Mutex
	all []peermon.Alert
}

// FollowAlerts records c's alerts until the test ends.
func FollowAlerts(tb testing.TB, c *peermon.Client) *AlertLog {
	tb.Helper()
	l := &AlertLog{}
	f, err := c.FollowAlerts(context.Background(), peermon.AlertHandlers{Alert: func(a peermon.Alert) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.all = append(l.all, a)
	}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(f.Stop)
	return l
}

// Alerts are the alerts recorded so far that match.
func (l *AlertLog) Alerts(match func(peermon.Alert) bool) []peermon.Alert {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []peermon.Alert
	for _, a := range l.all {
		if match(a) {
			out = append(out, a)
		}
	}
	return out
}

// Count is how many alerts of kind for (name, id) were recorded.
func (l *AlertLog) Count(kind peermon.AlertKind, name string, id peer.ID) int {
	return len(l.Alerts(func(a peermon.Alert) bool { return a.Kind == kind && a.Name == name && a.Peer == id }))
}
