// Package sidebyside measures the same IPFS Cluster once with pubsubmon and once with peermon
// (the bench scenario `ipfs-cluster`): how long from a peer's death to the alert on the cluster's
// Alerts() and to the first repin, for punctual peers and for peers that lost metrics moments
// before, how many repins a sudden loss of most peers causes, and how many alerts 1% of metrics
// lost at random cause while no peer is down.
//
// It runs as a test only when PEERMON_BENCH_IPFS_CLUSTER names the file for its JSON figures:
//
//	PEERMON_BENCH_IPFS_CLUSTER=/tmp/out.json PEERMON_BENCH_QUICK=1 go test -run SideBySide -v ./internal/sidebyside
package sidebyside

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ipfscluster "github.com/ipfs-cluster/ipfs-cluster"
	"github.com/ipfs-cluster/ipfs-cluster/api"
	peer "github.com/libp2p/go-libp2p/core/peer"
	"github.com/peermon/peermon/go/internal/harness"
	"github.com/peermon/peermon/go/service"
)

// plan is one run's sizes; the intervals are IPFS Cluster's divided by 15 (ping every second,
// ttl two seconds; pubsubmon checks every second, as its 15 s default matches the 15 s ping).
type plan struct {
	Peers, Kills, Pins    int
	StormPeers, StormLost int
	Loss                  float64
	LossSeconds           int
	Interval, TTL         time.Duration
	DisruptionMinPeers    string
}

func planFor(quick bool) plan {
	p := plan{Peers: 7, Kills: 4, Pins: 24, StormPeers: 8, StormLost: 5, Loss: 0.01, LossSeconds: 40,
		Interval: time.Second, TTL: 2 * time.Second, DisruptionMinPeers: "4"}
	if !quick {
		p.Peers, p.Kills, p.Pins, p.StormPeers, p.StormLost, p.LossSeconds = 12, 8, 48, 10, 6, 240
	}
	return p
}

// result is one monitor's figures.
type result struct {
	AlertMs      []float64 // per kill of a punctual peer: mean over live peers of death → alert on Alerts()
	LateMs       []float64 // per kill: the same, counted from the dead peer's last ping's expiry
	RepinMs      []float64 // per kill: death → first pin of the dead peer re-allocated
	StormRepins  int
	LossAlerts   float64 // alerts per peer on Alerts() while metrics were lost and no peer down
	LossRepins   int
	LostMetrics  int64
	SentMetrics  int64
	LossyAlertMs []float64 // per kill right after the loss phase: death → alert, as AlertMs
	LossyLateMs  []float64 // the same, from the dead peer's last ping's expiry
}

func TestSideBySide(t *testing.T) {
	out := os.Getenv("PEERMON_BENCH_IPFS_CLUSTER")
	if out == "" {
		t.Skip("a benchmark: set PEERMON_BENCH_IPFS_CLUSTER=<file> (npm run bench -- --only ipfs-cluster)")
	}
	for f := range ipfscluster.LoggingFacilities {
		ipfscluster.SetFacilityLogLevel(f, "ERROR")
	}
	for f := range ipfscluster.LoggingFacilitiesExtra {
		ipfscluster.SetFacilityLogLevel(f, "ERROR")
	}
	ipfscluster.SetFacilityLogLevel("peermon", "ERROR")
	p := planFor(os.Getenv("PEERMON_BENCH_QUICK") != "")
	results := map[string]*result{}
	for _, mon := range []string{service.Pubsubmon, service.Peermon} {
		r := &result{}
		t.Run(mon, func(t *testing.T) {
			measureDeaths(t, p, mon, r)
			measureLoss(t, p, mon, r)
			measureStorm(t, p, mon, r)
		})
		results[mon] = r
		t.Logf("%s: %+v", mon, r)
	}
	if err := writeFigures(out, p, results); err != nil {
		t.Fatal(err)
	}
}

// stackFor starts what a monitor needs besides the cluster: for peermon a nats-server and a
// `peermon serve`.
func stackFor(t *testing.T, p plan, mon string) harness.ClusterSpec {
	spec := harness.ClusterSpec{Monitor: mon, PingInterval: p.Interval, InformerTTL: p.TTL, CheckInterval: p.Interval,
		Repinning: true, ReplicationMin: 2, ReplicationMax: 2}
	if mon == service.Peermon {
		ns := harness.StartNats(t, "")
		harness.StartMonitor(t, ns.URL(), "--disruption-min-peers", p.DisruptionMinPeers)
		spec.NatsURL = ns.URL()
	}
	return spec
}

// measureDeaths kills peers one at a time in a fresh cluster whose peers never lost a metric: the
// crash of a punctual peer.
func measureDeaths(t *testing.T, p plan, mon string, r *result) {
	spec := stackFor(t, p, mon)
	spec.WrapMonitor = (&lossControl{rng: rand.New(rand.NewSource(42))}).wrap // loses nothing: its rate stays 0
	c := harness.StartCluster(t, p.Peers, spec)
	waitPeerset(t, c)
	pins := harness.PinAll(t, c.Peers[0], p.Pins)
	r.AlertMs, r.LateMs, r.RepinMs = killEach(t, c, pins, p)
}

// measureLoss loses metrics at random with no peer down, then kills peers one at a time: the
// crash of peers that lost metrics moments before (what expiry confirmation waits for).
func measureLoss(t *testing.T, p plan, mon string, r *result) {
	spec := stackFor(t, p, mon)
	loss := &lossControl{rng: rand.New(rand.NewSource(42))}
	spec.WrapMonitor = loss.wrap
	c := harness.StartCluster(t, p.Peers, spec)
	waitPeerset(t, c)
	pins := harness.PinAll(t, c.Peers[0], p.Pins)

	loss.rate.Store(uint64(p.Loss * 1e6))
	time.Sleep(time.Duration(p.LossSeconds) * time.Second)
	loss.rate.Store(0)
	time.Sleep(2 * p.TTL)
	alerts := 0
	for _, peer := range c.Peers {
		alerts += len(peer.Cluster.Alerts())
	}
	r.LossAlerts = float64(alerts) / float64(len(c.Peers))
	r.LossRepins = changed(t, c.Peers[0], pins)
	r.LostMetrics, r.SentMetrics = loss.dropped.Load(), loss.sent.Load()
	r.LossyAlertMs, r.LossyLateMs, _ = killEach(t, c, current(t, c.Peers[0], pins), p)
}

// killEach kills p.Kills peers that hold pins, one at a time, each at a phase after one of its
// pings (the same phases for both monitors), and returns per kill the alert, after-expiry and
// repin times.
func killEach(t *testing.T, c *harness.Cluster, pins map[api.Cid][]peer.ID, p plan) (alertMs, lateMs, repinMs []float64) {
	phases := rand.New(rand.NewSource(7))
	for k := 0; k < p.Kills; k++ {
		victim := holder(c, pins)
		if victim == nil {
			t.Fatal("no live peer holds a pin")
		}
		phase := time.Duration(phases.Int63n(int64(p.Interval)))
		a, l, rp := timeDeath(t, c, victim, pins, p, phase)
		alertMs, lateMs, repinMs = append(alertMs, a), append(lateMs, l), append(repinMs, rp)
		pins = current(t, c.Peers[0], pins)
	}
	return alertMs, lateMs, repinMs
}

// timeDeath kills victim phase after one of its pings and measures when the live peers' Alerts()
// show its ping alert (mean over them; from the death, and from that ping's expiry) and when its
// first pin moved (from the death).
func timeDeath(t *testing.T, c *harness.Cluster, victim *harness.Peer, pins map[api.Cid][]peer.ID, p plan, phase time.Duration) (float64, float64, float64) {
	id := victim.Host.ID()
	observer := c.Peers[0]
	var theirs []api.Cid
	for cid, allocs := range pins {
		if harness.ContainsPeer(allocs, id) {
			theirs = append(theirs, cid)
		}
	}
	live := c.Live()
	lastPing := nextPing(t, victim)
	time.Sleep(time.Until(lastPing.Add(phase)))
	start := time.Now()
	mute(victim)
	seen := map[*harness.Peer]time.Duration{}
	var repin time.Duration
	deadline := start.Add(p.TTL + 6*p.Interval + 20*time.Second)
	for (len(seen) < len(live)-1 || repin == 0) && time.Now().Before(deadline) {
		for _, lp := range live {
			if lp == victim || seen[lp] != 0 {
				continue
			}
			if hasPingAlert(lp, id) {
				seen[lp] = time.Since(start)
			}
		}
		if repin == 0 && moved(observer, theirs, id) {
			repin = time.Since(start)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(seen) == 0 || repin == 0 {
		t.Fatalf("%s's death: %d peers saw the alert, repin after %s", victim.Name, len(seen), repin)
	}
	var sum time.Duration
	for _, d := range seen {
		sum += d
	}
	avg := sum / time.Duration(len(seen))
	late := start.Add(avg).Sub(lastPing.Add(p.TTL))
	// Let the repins settle before the next death.
	harness.Eventually(t, 30*time.Second, "the dead peer's pins all moved", func() bool {
		return !anyOn(observer, theirs, id)
	})
	c.Stop(victim)
	return ms(avg), ms(late), ms(repin)
}

// measureStorm loses more than half of a fresh cluster at once and counts the pins re-allocated
// over several ttls.
func measureStorm(t *testing.T, p plan, mon string, r *result) {
	spec := stackFor(t, p, mon)
	spec.WrapMonitor = (&lossControl{}).wrap
	c := harness.StartCluster(t, p.StormPeers, spec)
	waitPeerset(t, c)
	pins := harness.PinAll(t, c.Peers[0], p.Pins)
	for _, lost := range c.Peers[p.StormPeers-p.StormLost:] {
		mute(lost)
	}
	time.Sleep(p.TTL + 8*p.Interval)
	r.StormRepins = changed(t, c.Peers[0], pins)
}

func waitPeerset(t *testing.T, c *harness.Cluster) {
	harness.Eventually(t, 60*time.Second, "every peer has every peer's ping and the metrics the allocator uses", func() bool {
		for _, p := range c.Peers {
			for _, name := range []string{"ping", "freespace", "tag:group", "pinqueue"} {
				if len(p.Monitor.LatestMetrics(context.Background(), name)) != len(c.Peers) {
					return false
				}
			}
		}
		return true
	})
}

// lossControl drops a share of the metrics a peer publishes, for either monitor alike.
type lossControl struct {
	rate          atomic.Uint64 // per million
	mu            sync.Mutex
	rng           *rand.Rand // nil: no loss
	dropped, sent atomic.Int64
}

// lossyMonitor is a peer's monitor behind lossControl; muted, it publishes nothing more and its
// cluster receives no more alerts: the peer is dead from that instant for either monitor (a stop
// takes a while, pinging meanwhile, and a dead peer must not repin for the others).
type lossyMonitor struct {
	ipfscluster.PeerMonitor
	l      *lossControl
	muted  atomic.Bool
	alerts chan api.Alert
	// lastPing is when the last ping was published (Unix ns).
	lastPing atomic.Int64
}

// Alerts forwards the monitor's alerts while the peer lives.
func (m *lossyMonitor) Alerts() <-chan api.Alert { return m.alerts }

func (m *lossyMonitor) forward() {
	for a := range m.PeerMonitor.Alerts() {
		if !m.muted.Load() {
			m.alerts <- a
		}
	}
}

func mute(p *harness.Peer) { p.Monitor.(*lossyMonitor).muted.Store(true) }

// nextPing waits for p's next ping and returns when it was published.
func nextPing(t *testing.T, p *harness.Peer) time.Time {
	m := p.Monitor.(*lossyMonitor)
	before := m.lastPing.Load()
	harness.Eventually(t, 10*time.Second, p.Name+" pings", func() bool { return m.lastPing.Load() != before })
	return time.Unix(0, m.lastPing.Load())
}

func (l *lossControl) wrap(m ipfscluster.PeerMonitor) ipfscluster.PeerMonitor {
	w := &lossyMonitor{PeerMonitor: m, l: l, alerts: make(chan api.Alert, 1024)}
	go w.forward()
	return w
}

func (m *lossyMonitor) PublishMetric(ctx context.Context, metric api.Metric) error {
	if m.muted.Load() {
		return nil
	}
	if metric.Name == "ping" {
		defer m.lastPing.Store(time.Now().UnixNano())
	}
	if rate := m.l.rate.Load(); rate > 0 {
		m.l.sent.Add(1)
		m.l.mu.Lock()
		drop := m.l.rng.Int63n(1e6) < int64(rate)
		m.l.mu.Unlock()
		if drop {
			m.l.dropped.Add(1)
			return nil
		}
	}
	return m.PeerMonitor.PublishMetric(ctx, metric)
}

func hasPingAlert(p *harness.Peer, id peer.ID) bool {
	for _, a := range p.Cluster.Alerts() {
		if a.Name == "ping" && a.Peer == id {
			return true
		}
	}
	return false
}

func pinOf(p *harness.Peer, c api.Cid) api.Pin {
	pin, _ := p.Cluster.PinGet(context.Background(), c)
	return pin
}

func moved(p *harness.Peer, cids []api.Cid, id peer.ID) bool {
	for _, c := range cids {
		if pin := pinOf(p, c); pin.Defined() && !harness.ContainsPeer(pin.Allocations, id) {
			return true
		}
	}
	return false
}

func anyOn(p *harness.Peer, cids []api.Cid, id peer.ID) bool {
	for _, c := range cids {
		if harness.ContainsPeer(pinOf(p, c).Allocations, id) {
			return true
		}
	}
	return false
}

// changed counts pins whose allocations differ from before.
func changed(t *testing.T, p *harness.Peer, before map[api.Cid][]peer.ID) int {
	n := 0
	for c, allocs := range before {
		if !harness.SamePeers(pinOf(p, c).Allocations, allocs) {
			n++
		}
	}
	return n
}

func current(t *testing.T, p *harness.Peer, pins map[api.Cid][]peer.ID) map[api.Cid][]peer.ID {
	out := map[api.Cid][]peer.ID{}
	for c := range pins {
		out[c] = pinOf(p, c).Allocations
	}
	return out
}

// holder is a live peer other than the observer holding at least one pin.
func holder(c *harness.Cluster, pins map[api.Cid][]peer.ID) *harness.Peer {
	for _, p := range c.Live()[1:] {
		for _, allocs := range pins {
			if harness.ContainsPeer(allocs, p.Host.ID()) {
				return p
			}
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func round(x float64, digits int) float64 {
	f := 1.0
	for i := 0; i < digits; i++ {
		f *= 10
	}
	return float64(int64(x*f+0.5)) / f
}

func writeFigures(path string, p plan, r map[string]*result) error {
	ps, pm := r[service.Pubsubmon], r[service.Peermon]
	figures := map[string]any{
		"ipfs_cluster_alert_ms_pubsubmon":              round(mean(ps.AlertMs), 1),
		"ipfs_cluster_alert_ms_peermon":                round(mean(pm.AlertMs), 1),
		"ipfs_cluster_detect_ratio":                    round(mean(pm.AlertMs)/mean(ps.AlertMs), 3),
		"ipfs_cluster_after_expiry_ms_pubsubmon":       round(mean(ps.LateMs), 1),
		"ipfs_cluster_after_expiry_ms_peermon":         round(mean(pm.LateMs), 1),
		"ipfs_cluster_repin_ms_pubsubmon":              round(mean(ps.RepinMs), 1),
		"ipfs_cluster_repin_ms_peermon":                round(mean(pm.RepinMs), 1),
		"ipfs_cluster_storm_repins_pubsubmon":          ps.StormRepins,
		"ipfs_cluster_storm_repins_peermon":            pm.StormRepins,
		"ipfs_cluster_loss_alerts_pubsubmon":           round(ps.LossAlerts, 2),
		"ipfs_cluster_loss_alerts_peermon":             round(pm.LossAlerts, 2),
		"ipfs_cluster_lossy_alert_ms_pubsubmon":        round(mean(ps.LossyAlertMs), 1),
		"ipfs_cluster_lossy_alert_ms_peermon":          round(mean(pm.LossyAlertMs), 1),
		"ipfs_cluster_lossy_detect_ratio":              round(mean(pm.LossyAlertMs)/mean(ps.LossyAlertMs), 3),
		"ipfs_cluster_lossy_after_expiry_ms_pubsubmon": round(mean(ps.LossyLateMs), 1),
		"ipfs_cluster_lossy_after_expiry_ms_peermon":   round(mean(pm.LossyLateMs), 1),
		"detail": map[string]any{
			"plan":      p,
			"pubsubmon": ps,
			"peermon":   pm,
		},
	}
	data, err := json.MarshalIndent(figures, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
