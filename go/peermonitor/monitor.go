// Package peermonitor is an IPFS Cluster PeerMonitor backed by peermon: a peer publishes its
// metrics to peermon over NATS, asks peermon for the latest metrics and metric names, and receives
// peermon's alerts, instead of gossiping metrics to every peer and judging them itself (pubsubmon).
//
// What changes for the cluster: a dead peer is alerted the moment its metric's ttl runs out (not
// at the next 15 s check), on the monitor's clock (no clock skew between hosts decides what is
// alive), once per failure episode; a partition that silences many peers at once is one
// disruption instead of an alert per peer (no repin storm); the bus, not a signature, ensures that
// a peer publishes only its own metrics. See docs/ipfs-cluster.md.
package peermonitor

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/ipfs-cluster/ipfs-cluster/api"
	logging "github.com/ipfs/go-log/v2"
	rpc "github.com/libp2p/go-libp2p-gorpc"
	crypto "github.com/libp2p/go-libp2p/core/crypto"
	peer "github.com/libp2p/go-libp2p/core/peer"
	"github.com/nats-io/nats.go"
	"github.com/peermon/peermon/go/peermon"
)

var logger = logging.Logger("peermon")

// PingMetric is the metric whose latest valid values are IPFS Cluster's peerset under CRDT.
const PingMetric = "ping"

// PeersFunc returns the current cluster peers (Raft's consensus peers); nil under CRDT, where the
// peers with a valid ping are the peerset.
type PeersFunc func(context.Context) ([]peer.ID, error)

// Monitor implements IPFS Cluster's PeerMonitor on peermon.
type Monitor struct {
	cfg    *Config
	self   peer.ID
	peers  PeersFunc
	nc     *nats.Conn
	client *peermon.Client
	now    func() time.Time

	latest *latestCache
	local  *localMetrics
	relay  *alertRelay
	stats  *counters

	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	shutOnce sync.Once
}

// New connects to NATS and starts following peermon's alerts. priv is the peer's private key: its
// id is this peer's, and with auth "identity" it signs the server's nonce. peers may be nil (CRDT).
func New(ctx context.Context, cfg *Config, priv crypto.PrivKey, peers PeersFunc) (*Monitor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var self peer.ID
	if priv != nil {
		id, err := peer.IDFromPrivateKey(priv)
		if err != nil {
			return nil, fmt.Errorf("peermon monitor: reading the peer's id from its key: %w", err)
		}
		self = id
	}
	mon := &Monitor{cfg: cfg, self: self, peers: peers, now: time.Now, local: newLocalMetrics(), stats: &counters{}}
	nc, err := connect(cfg, "ipfs-cluster "+self.String(), priv, mon.connEvents())
	if err != nil {
		return nil, err
	}
	client, err := peermon.New(nc, peermon.WithPrefix(cfg.Prefix), peermon.WithTimeout(cfg.RequestTimeout))
	if err != nil {
		nc.Close()
		return nil, err
	}
	mon.nc, mon.client = nc, client
	mon.latest = newLatestCache(cfg.LatestCache, mon.now, mon.fetchLatest)
	mon.relay = newAlertRelay(cfg.AlertBuffer, mon.latest.drop, mon.alertDropped)
	mon.ctx, mon.cancel = context.WithCancel(ctx)
	mon.wg.Add(1)
	go mon.followAlerts()
	return mon, nil
}

// SetClient is part of IPFS Cluster's Component: this monitor needs no RPC.
func (mon *Monitor) SetClient(*rpc.Client) {}

// Shutdown stops following alerts and closes the NATS connection; it may be called twice.
func (mon *Monitor) Shutdown(ctx context.Context) error {
	mon.shutOnce.Do(func() {
		logger.Info("stopping the peermon monitor")
		mon.cancel()
		mon.wg.Wait()
		mon.nc.Close()
	})
	return nil
}

// LogMetric records a metric. The peer's own metrics are published. Another peer's (IPFS Cluster
// logs a ping for a peer it just joined or bootstrapped to, so that it is usable at once) stay on
// this host until they expire or peermon has that peer's own: the bus lets a peer speak only for
// itself, and a metric vouched for by another peer must not resolve that peer's alert in peermon.
func (mon *Monitor) LogMetric(ctx context.Context, m api.Metric) error {
	if m.Peer == mon.self {
		return mon.PublishMetric(ctx, m)
	}
	mon.local.add(m)
	return nil
}

// PublishMetric publishes the metric to peermon with its remaining ttl; invalid or expired metrics
// are not sent (as pubsubmon).
func (mon *Monitor) PublishMetric(ctx context.Context, m api.Metric) error {
	if m.Discard() {
		logger.Warnf("not publishing invalid or expired metric %s of %s", m.Name, m.Peer)
		return nil
	}
	if err := mon.client.Publish(m); err != nil {
		mon.stats.publishErrors.Add(1)
		record(publishedM, "error")
		return fmt.Errorf("publishing metric %s to peermon: %w", m.Name, err)
	}
	mon.stats.published.Add(1)
	record(publishedM, "ok")
	return nil
}

// LatestMetrics returns the latest valid metric of name of every current peer, as peermon answers
// it (cached for latest_cache), with the metrics this host logged for peers peermon does not know
// yet, filtered by the peerset function when there is one.
func (mon *Monitor) LatestMetrics(ctx context.Context, name string) []api.Metric {
	ms, how, err := mon.latest.get(ctx, name)
	mon.stats.latest(how)
	if err != nil && ctx.Err() == nil {
		logger.Warnf("latest %s from peermon failed (%s): %s", name, describeFallback(how, len(ms)), err)
	}
	ms = mon.local.merge(name, ms, mon.now())
	if mon.peers != nil {
		peers, err := mon.peers(ctx)
		if err != nil {
			return []api.Metric{}
		}
		ms = onlyPeers(ms, peers)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Peer < ms[j].Peer })
	return ms
}

// LatestForPeer returns the latest metric of name from pid, which may have expired; a zero
// Metric when there is none.
func (mon *Monitor) LatestForPeer(ctx context.Context, name string, pid peer.ID) api.Metric {
	m, err := mon.client.Peer(ctx, name, pid)
	if err == nil {
		return m.Metric
	}
	if local, ok := mon.local.get(name, pid); ok {
		return local
	}
	if !isNotFound(err) && ctx.Err() == nil {
		logger.Warnf("peer %s %s from peermon failed: %s", name, pid, err)
	}
	return api.Metric{}
}

// MetricNames lists the names peermon knows; while it cannot be asked, the names answered so far.
func (mon *Monitor) MetricNames(ctx context.Context) []string {
	names, err := mon.client.Names(ctx)
	if err != nil {
		if ctx.Err() == nil {
			logger.Warnf("metric names from peermon failed: %s", err)
		}
		return mon.latest.names()
	}
	return names
}

// Alerts delivers peermon's firing alerts. Nothing waits for a reader: an alert that finds the
// channel full is dropped and counted (Stats).
func (mon *Monitor) Alerts() <-chan api.Alert { return mon.relay.out }

func (mon *Monitor) fetchLatest(ctx context.Context, name string) ([]api.Metric, error) {
	var opts []peermon.QueryOption
	if mon.cfg.ExcludeSuspects && name != PingMetric {
		opts = append(opts, peermon.ExcludeSuspects())
	}
	ms, err := mon.client.Latest(ctx, name, opts...)
	if isNotFound(err) {
		return []api.Metric{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]api.Metric, len(ms))
	for i, m := range ms {
		out[i] = m.Metric
	}
	return out, nil
}

func onlyPeers(ms []api.Metric, peers []peer.ID) []api.Metric {
	member := make(map[peer.ID]bool, len(peers))
	for _, p := range peers {
		member[p] = true
	}
	out := ms[:0]
	for _, m := range ms {
		if member[m.Peer] {
			out = append(out, m)
		}
	}
	return out
}

func describeFallback(how latestResult, n int) string {
	if how == fromStale {
		return fmt.Sprintf("answering from the last answer: %d still valid", n)
	}
	return "no earlier answer to fall back on"
}
