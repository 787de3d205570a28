package peermon

import (
	"strconv"
	"time"

	"github.com/ipfs-cluster/ipfs-cluster/api"
	peer "github.com/libp2p/go-libp2p/core/peer"
	"github.com/nats-io/nats.go"
)

// clocks relates the monitor's clock to this host's at the moment a reply arrived.
type clocks struct {
	monitorNow int64
	localNow   time.Time
}

// readClocks takes the monitor's time from the reply's Peermon-Now header; a monitor that sends
// none is taken to share this host's clock.
func readClocks(reply *nats.Msg, at time.Time) clocks {
	cl := clocks{monitorNow: at.UnixNano(), localNow: at}
	if reply.Header != nil {
		if v, err := strconv.ParseInt(reply.Header.Get(nowHeader), 10, 64); err == nil && v > 0 {
			cl.monitorNow = v
		}
	}
	return cl
}

// metric moves a wire metric onto this host's clock; false when its peer is not a libp2p peer id.
func (cl clocks) metric(w wireMetric) (Metric, bool) {
	pid, err := peer.Decode(w.Peer)
	if err != nil {
		return Metric{}, false
	}
	deadline := w.Expire
	if w.TTL > 0 {
		deadline = w.ReceivedAt + w.TTL
	}
	remaining := time.Duration(deadline - cl.monitorNow)
	m := toAPI(w, pid)
	m.Expire = cl.localNow.Add(remaining).UnixNano()
	if w.ReceivedAt != 0 {
		m.ReceivedAt = cl.localNow.Add(-time.Duration(cl.monitorNow - w.ReceivedAt)).UnixNano()
	}
	return Metric{Metric: m, TTL: time.Duration(w.TTL), Remaining: remaining}, true
}

// Metric is a metric as the monitor answered it. The embedded api.Metric's Expire and ReceivedAt
// are on this host's clock, moved by the monitor's own reading of its clock at the answer, so that
// api.Metric's Expired() and Discard() agree with the monitor whatever the skew between the peer
// that sent it, the monitor and this host.
type Metric struct {
	api.Metric
	// TTL is the ttl the peer sent (`l`); 0 when it sent only an absolute expiry.
	TTL time.Duration
	// Remaining is the validity left when the monitor answered, by its clock; negative once expired.
	Remaining time.Duration
}
