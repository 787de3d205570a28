package harness

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	ipfscluster "github.com/ipfs-cluster/ipfs-cluster"
	"github.com/ipfs-cluster/ipfs-cluster/api"
	"github.com/ipfs-cluster/ipfs-cluster/test"
	cid "github.com/ipfs/go-cid"
	crypto "github.com/libp2p/go-libp2p/core/crypto"
	peer "github.com/libp2p/go-libp2p/core/peer"
	peerstore "github.com/libp2p/go-libp2p/core/peerstore"
	ma "github.com/multiformats/go-multiaddr"
	multihash "github.com/multiformats/go-multihash"
	"github.com/peermon/peermon/go/peermonitor"
	"github.com/peermon/peermon/go/service"
)

// ClusterSpec says how to build a test cluster: IPFS Cluster's defaults with shorter intervals.
type ClusterSpec struct {
	// Monitor is service.Peermon or service.Pubsubmon.
	Monitor string
	// NatsURL of the peermon monitor (Peermon only).
	NatsURL string
	// PingInterval is monitor_ping_interval (a ping's ttl is twice it).
	PingInterval time.Duration
	// InformerTTL is the informers' metric_ttl (disk, tags, pinqueue: sent every half of it).
	InformerTTL time.Duration
	// CheckInterval is pubsubmon's check_interval (IPFS Cluster's default equals the ping interval).
	CheckInterval time.Duration
	// Repinning turns repinning on (IPFS Cluster's default is off).
	Repinning bool
	// ReplicationMin and ReplicationMax of new pins; 0: every peer (-1).
	ReplicationMin, ReplicationMax int
	// Tune changes the peermon section further (auth, cache, …) before the peer starts.
	Tune func(*peermonitor.Config)
	// Keys are the peers' identities, in order (a new Ed25519 key for each peer past them).
	Keys []crypto.PrivKey
	// WrapMonitor wraps each peer's monitor (fault injection).
	WrapMonitor func(ipfscluster.PeerMonitor) ipfscluster.PeerMonitor
}

// Cluster is a running test cluster under CRDT consensus, its peers in this process on loopback,
// each with IPFS Cluster's own IPFS mock.
type Cluster struct {
	t      *testing.T
	spec   ClusterSpec
	secret []byte
	Peers  []*Peer
}

// Peer is one cluster peer of a test cluster.
type Peer struct {
	*service.Peer
	Name    string
	Dir     string
	Mock    *test.IpfsMock
	stopped bool
}

// StartCluster starts n peers: the first alone, the others bootstrapping to it.
func StartCluster(t *testing.T, n int, spec ClusterSpec) *Cluster {
	t.Helper()
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	c := &Cluster{t: t, spec: spec, secret: secret}
	first := c.startPeer(0, nil)
	c.waitReady(first)
	boot := []ma.Multiaddr{clusterAddr(first)}
	for i := 1; i < n; i++ {
		c.startPeer(i, boot)
	}
	for _, p := range c.Peers[1:] {
		c.waitReady(p)
	}
	c.connectAll()
	return c
}

func (c *Cluster) startPeer(i int, bootstrap []ma.Multiaddr) *Peer {
	c.t.Helper()
	dir := c.t.TempDir()
	mock := test.NewIpfsMock(c.t)
	c.t.Cleanup(mock.Close)
	name := fmt.Sprintf("peer-%d", i)
	cfg := c.writeConfig(i, dir, name, mock)
	sp, err := service.Start(context.Background(), cfg, service.Options{Bootstrap: bootstrap, Monitor: c.spec.Monitor, WrapMonitor: c.spec.WrapMonitor})
	if err != nil {
		c.t.Fatalf("starting %s: %v", name, err)
	}
	p := &Peer{Peer: sp, Name: name, Dir: dir, Mock: mock}
	c.Peers = append(c.Peers, p)
	// Cleanups run last registered first: the peer stops before its IPFS mock and its folder go.
	c.t.Cleanup(func() { c.Stop(p) })
	return p
}

// writeConfig writes the peer's service.json and identity.json as `init` would, then loads them
// back as the daemon does.
func (c *Cluster) writeConfig(i int, dir, name string, mock *test.IpfsMock) *service.Config {
	c.t.Helper()
	cfgPath, idPath := filepath.Join(dir, "service.json"), filepath.Join(dir, "identity.json")
	cfg := service.NewConfig(cfgPath, idPath, "crdt", "pebble")
	if err := cfg.Helper.Manager().Default(); err != nil {
		c.t.Fatal(err)
	}
	cfgs := cfg.Helper.Configs()
	local, _ := ma.NewMultiaddr("/ip4/127.0.0.1/tcp/0")
	node, _ := ma.NewMultiaddr(fmt.Sprintf("/ip4/%s/tcp/%d", mock.Addr, mock.Port))
	cl := cfgs.Cluster
	cl.Secret, cl.Peername, cl.ListenAddr = c.secret, name, []ma.Multiaddr{local}
	cl.MonitorPingInterval, cl.DisableRepinning = c.spec.PingInterval, !c.spec.Repinning
	cl.ReplicationFactorMin, cl.ReplicationFactorMax = replication(c.spec.ReplicationMin), replication(c.spec.ReplicationMax)
	cl.MDNSInterval, cl.PeerWatchInterval = 0, time.Second
	cl.PubSub.HeartbeatInterval = 200 * time.Millisecond
	cl.ResourceMgr.Enabled = false
	cfgs.Crdt.TrustAll, cfgs.Crdt.RebroadcastInterval = true, time.Second
	cfgs.Ipfshttp.NodeAddr = node
	cfgs.DiskInf.MetricTTL, cfgs.TagsInf.MetricTTL, cfgs.PinQueueInf.MetricTTL = c.spec.InformerTTL, c.spec.InformerTTL, c.spec.InformerTTL
	if c.spec.CheckInterval > 0 {
		cfgs.Pubsubmon.CheckInterval = c.spec.CheckInterval
	}
	pm := cfg.Peermon
	pm.NatsURL, pm.Auth = c.spec.NatsURL, peermonitor.AuthNone
	if pm.NatsURL == "" {
		pm.NatsURL = peermonitor.DefaultNatsURL
	}
	if c.spec.Tune != nil {
		c.spec.Tune(pm)
	}
	if err := cfg.Helper.SaveConfigToDisk(); err != nil {
		c.t.Fatal(err)
	}
	ident := cfg.Helper.Identity()
	if err := ident.Default(); err != nil {
		c.t.Fatal(err)
	}
	if i < len(c.spec.Keys) {
		id, err := peer.IDFromPrivateKey(c.spec.Keys[i])
		if err != nil {
			c.t.Fatal(err)
		}
		ident.ID, ident.PrivateKey = id, c.spec.Keys[i]
	}
	if err := cfg.Helper.SaveIdentityToDisk(); err != nil {
		c.t.Fatal(err)
	}
	cfg.Helper.Manager().Shutdown()
	loaded := service.NewConfig(cfgPath, idPath, "", "")
	c.t.Cleanup(loaded.Helper.Manager().Shutdown)
	if err := loaded.Load(); err != nil {
		c.t.Fatalf("loading the written configuration: %v", err)
	}
	return loaded
}

func replication(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

func (c *Cluster) waitReady(p *Peer) {
	c.t.Helper()
	select {
	case <-p.Cluster.Ready():
	case <-time.After(60 * time.Second):
		c.t.Fatalf("%s not ready within 60 s", p.Name)
	}
}

// connectAll dials every pair of hosts, so gossip and CRDT reach everyone at once.
func (c *Cluster) connectAll() {
	ctx := context.Background()
	for _, a := range c.Peers {
		for _, b := range c.Peers {
			if a == b {
				continue
			}
			a.Host.Peerstore().AddAddrs(b.Host.ID(), b.Host.Addrs(), peerstore.PermanentAddrTTL)
			if _, err := a.Host.Network().DialPeer(ctx, b.Host.ID()); err != nil {
				c.t.Logf("dialing %s from %s: %v", b.Name, a.Name, err)
			}
		}
	}
}

func clusterAddr(p *Peer) ma.Multiaddr {
	for _, a := range p.Host.Addrs() {
		if _, err := a.ValueForProtocol(ma.P_IP4); err == nil {
			pa, _ := ma.NewMultiaddr("/p2p/" + p.Host.ID().String())
			return a.Encapsulate(pa)
		}
	}
	return nil
}

// Stop shuts a peer down (it stops sending metrics, as a dead peer would; it does not leave).
func (c *Cluster) Stop(p *Peer) {
	c.t.Helper()
	if p.stopped {
		return
	}
	p.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		c.t.Logf("stopping %s: %v", p.Name, err)
	}
}

// Live are the peers not stopped.
func (c *Cluster) Live() []*Peer {
	var out []*Peer
	for _, p := range c.Peers {
		if !p.stopped {
			out = append(out, p)
		}
	}
	return out
}

// IDs of peers.
func IDs(ps []*Peer) []peer.ID {
	out := make([]peer.ID, len(ps))
	for i, p := range ps {
		out[i] = p.Host.ID()
	}
	return out
}

// Eventually polls cond every 100 ms until it holds or timeout passes; state (optional) says
// what was seen instead.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool, state ...func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			seen := ""
			for _, s := range state {
				seen += "; seen: " + s()
			}
			t.Fatalf("after %s: %s%s", timeout, what, seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// PinAll pins n random CIDs on p and returns them with their allocations.
func PinAll(t testing.TB, p *Peer, n int) map[api.Cid][]peer.ID {
	t.Helper()
	out := map[api.Cid][]peer.ID{}
	for i := 0; i < n; i++ {
		c, err := randomCid()
		if err != nil {
			t.Fatal(err)
		}
		pin, err := p.Cluster.Pin(context.Background(), c, api.PinOptions{})
		if err != nil {
			t.Fatalf("pinning: %v", err)
		}
		out[c] = pin.Allocations
	}
	return out
}

func randomCid() (api.Cid, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return api.CidUndef, err
	}
	h, err := multihash.Sum(b, multihash.SHA2_256, -1)
	if err != nil {
		return api.CidUndef, err
	}
	return api.NewCid(cid.NewCidV1(cid.Raw, h)), nil
}

var _ ipfscluster.PeerMonitor = (*peermonitor.Monitor)(nil)
