package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	ipfscluster "github.com/ipfs-cluster/ipfs-cluster"
	"github.com/ipfs-cluster/ipfs-cluster/allocator/balanced"
	"github.com/ipfs-cluster/ipfs-cluster/api/ipfsproxy"
	"github.com/ipfs-cluster/ipfs-cluster/api/pinsvcapi"
	"github.com/ipfs-cluster/ipfs-cluster/api/rest"
	"github.com/ipfs-cluster/ipfs-cluster/cmdutils"
	"github.com/ipfs-cluster/ipfs-cluster/config"
	"github.com/ipfs-cluster/ipfs-cluster/consensus/crdt"
	"github.com/ipfs-cluster/ipfs-cluster/consensus/raft"
	"github.com/ipfs-cluster/ipfs-cluster/informer/disk"
	"github.com/ipfs-cluster/ipfs-cluster/informer/pinqueue"
	"github.com/ipfs-cluster/ipfs-cluster/informer/tags"
	"github.com/ipfs-cluster/ipfs-cluster/ipfsconn/ipfshttp"
	"github.com/ipfs-cluster/ipfs-cluster/monitor/pubsubmon"
	"github.com/ipfs-cluster/ipfs-cluster/observations"
	"github.com/ipfs-cluster/ipfs-cluster/pintracker/stateless"
	ds "github.com/ipfs/go-datastore"
	logging "github.com/ipfs/go-log/v2"
	dual "github.com/libp2p/go-libp2p-kad-dht/dual"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	host "github.com/libp2p/go-libp2p/core/host"
	peer "github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/peermon/peermon/go/peermonitor"
)

// Options of a peer beyond its configuration.
type Options struct {
	// Bootstrap addresses to join (under CRDT they become trusted peers too, unless NoTrust).
	Bootstrap []ma.Multiaddr
	NoTrust   bool
	// Monitor forces Peermon or Pubsubmon; "" takes what the configuration selects.
	Monitor string
	// WithAPIs starts the HTTP APIs the configuration defines (REST, pinning service, proxy).
	WithAPIs bool
	// WrapMonitor (optional) wraps the monitor before the cluster gets it: fault injection in
	// tests and benchmarks (lost metrics), the same for either monitor.
	WrapMonitor func(ipfscluster.PeerMonitor) ipfscluster.PeerMonitor
}

// Peer is a running cluster peer and what it runs on.
type Peer struct {
	Cluster *ipfscluster.Cluster
	Host    host.Host
	DHT     *dual.DHT
	Store   ds.Datastore
	Monitor ipfscluster.PeerMonitor
	// MonitorName is Peermon or Pubsubmon.
	MonitorName string
}

// Start builds the peer's components from cfg and starts it; it joins the bootstrap peers in the
// background (as ipfs-cluster-service does).
func Start(ctx context.Context, cfg *Config, opts Options) (*Peer, error) {
	h := cfg.Helper
	cfgs := h.Configs()
	consensus := h.GetConsensus()
	if consensus == "" {
		return nil, errors.New("the configuration must define exactly one consensus section, crdt or raft")
	}
	if consensus == cfgs.Crdt.ConfigKey() && !opts.NoTrust {
		cfgs.Crdt.TrustedPeers = append(cfgs.Crdt.TrustedPeers, ipfscluster.PeersFromMultiaddrs(opts.Bootstrap)...)
	}
	stmgr, err := cmdutils.NewStateManager(consensus, h.GetDatastore(), h.Identity(), cfgs)
	if err != nil {
		return nil, fmt.Errorf("creating the state manager: %w", err)
	}
	store, err := stmgr.GetStore()
	if err != nil {
		return nil, fmt.Errorf("opening the datastore: %w", err)
	}
	// Guarded: a component may still write to the store after the cluster's shutdown returned.
	p := &Peer{Store: guardStore(store)}
	if err := p.build(ctx, cfg, consensus, opts); err != nil {
		p.close()
		return nil, err
	}
	go func() {
		for _, addr := range opts.Bootstrap {
			if err := p.Cluster.Join(ctx, addr); err != nil {
				logger.Errorf("bootstrap to %s failed: %s", addr, err)
			}
		}
	}()
	return p, nil
}

var logger = logging.Logger("service")

func (p *Peer) build(ctx context.Context, cfg *Config, consensus string, opts Options) error {
	h := cfg.Helper
	cfgs := h.Configs()
	host, bwc, psub, dht, err := ipfscluster.NewClusterHost(ctx, h.Identity(), cfgs.Cluster, p.Store)
	if err != nil {
		return fmt.Errorf("creating the libp2p host: %w", err)
	}
	p.Host, p.DHT = host, dht
	if err := observations.SetupMetrics(cfgs.Metrics); err != nil {
		return fmt.Errorf("setting up metrics: %w", err)
	}
	tracer, err := observations.SetupTracing(cfgs.Tracing)
	if err != nil {
		return fmt.Errorf("setting up tracing: %w", err)
	}
	var apis []ipfscluster.API
	if opts.WithAPIs {
		if apis, err = startAPIs(ctx, h, host); err != nil {
			return err
		}
	}
	connector, err := ipfshttp.NewConnector(cfgs.Ipfshttp)
	if err != nil {
		return fmt.Errorf("creating the IPFS connector: %w", err)
	}
	informers, err := makeInformers(h)
	if err != nil {
		return err
	}
	// As ipfs-cluster-service: a configuration without an allocator section allocates by freespace.
	if !h.Manager().IsLoadedFromJSON(config.Allocator, cfgs.BalancedAlloc.ConfigKey()) {
		cfgs.BalancedAlloc.AllocateBy = []string{"freespace"}
	}
	alloc, err := balanced.New(cfgs.BalancedAlloc)
	if err != nil {
		return fmt.Errorf("creating the allocator: %w", err)
	}
	cons, err := makeConsensus(h, consensus, host, dht, psub, p.Store)
	if err != nil {
		return err
	}
	var peersF func(context.Context) ([]peer.ID, error)
	if consensus == cfgs.Raft.ConfigKey() {
		peersF = cons.Peers
	}
	tracker := stateless.New(cfgs.Statelesstracker, host.ID(), cfgs.Cluster.Peername, cons.State)
	p.MonitorName = opts.Monitor
	if p.MonitorName == "" {
		p.MonitorName = cfg.Monitor()
	}
	if p.Monitor, err = makeMonitor(ctx, cfg, p.MonitorName, psub, peersF); err != nil {
		return err
	}
	if opts.WrapMonitor != nil {
		p.Monitor = opts.WrapMonitor(p.Monitor)
	}
	p.Cluster, err = ipfscluster.NewCluster(ctx, host, bwc, dht, cfgs.Cluster, p.Store, cons, apis,
		connector, tracker, p.Monitor, alloc, informers, tracer)
	if err != nil {
		return fmt.Errorf("starting the cluster peer: %w", err)
	}
	return nil
}

func makeMonitor(ctx context.Context, cfg *Config, name string, psub *pubsub.PubSub, peersF func(context.Context) ([]peer.ID, error)) (ipfscluster.PeerMonitor, error) {
	switch name {
	case Peermon:
		mon, err := peermonitor.New(ctx, cfg.Peermon, cfg.Helper.Identity().PrivateKey, peersF)
		if err != nil {
			return nil, fmt.Errorf("setting up the peermon monitor: %w", err)
		}
		return mon, nil
	case Pubsubmon:
		mon, err := pubsubmon.New(ctx, cfg.Helper.Configs().Pubsubmon, psub, peersF)
		if err != nil {
			return nil, fmt.Errorf("setting up pubsubmon: %w", err)
		}
		return mon, nil
	}
	return nil, fmt.Errorf("unknown monitor %q (peermon or pubsubmon)", name)
}

func makeConsensus(h *cmdutils.ConfigHelper, consensus string, host host.Host, dht *dual.DHT, psub *pubsub.PubSub, store ds.Datastore) (ipfscluster.Consensus, error) {
	cfgs := h.Configs()
	if consensus == cfgs.Raft.ConfigKey() {
		c, err := raft.NewConsensus(host, cfgs.Raft, store, false)
		if err != nil {
			return nil, fmt.Errorf("creating the raft consensus: %w", err)
		}
		ipfscluster.ReadyTimeout = cfgs.Raft.WaitForLeaderTimeout + 5*time.Second
		return c, nil
	}
	c, err := crdt.New(host, dht, psub, cfgs.Crdt, store)
	if err != nil {
		return nil, fmt.Errorf("creating the crdt consensus: %w", err)
	}
	return c, nil
}

// makeInformers starts each informer whose section the configuration holds.
func makeInformers(h *cmdutils.ConfigHelper) ([]ipfscluster.Informer, error) {
	cfgs, man := h.Configs(), h.Manager()
	loaded := func(key string) bool { return man.IsLoadedFromJSON(config.Informer, key) }
	var out []ipfscluster.Informer
	if loaded(cfgs.DiskInf.ConfigKey()) {
		inf, err := disk.NewInformer(cfgs.DiskInf)
		if err != nil {
			return nil, fmt.Errorf("creating the disk informer: %w", err)
		}
		out = append(out, inf)
	}
	if loaded(cfgs.TagsInf.ConfigKey()) {
		inf, err := tags.New(cfgs.TagsInf)
		if err != nil {
			return nil, fmt.Errorf("creating the tags informer: %w", err)
		}
		out = append(out, inf)
	}
	if loaded(cfgs.PinQueueInf.ConfigKey()) {
		inf, err := pinqueue.New(cfgs.PinQueueInf)
		if err != nil {
			return nil, fmt.Errorf("creating the pinqueue informer: %w", err)
		}
		out = append(out, inf)
	}
	return out, nil
}

// startAPIs starts the HTTP APIs the configuration defines. The REST API listens on libp2p too
// only under raft: CRDT clusters often share their secret with untrusted peers.
func startAPIs(ctx context.Context, h *cmdutils.ConfigHelper, host host.Host) ([]ipfscluster.API, error) {
	cfgs, man := h.Configs(), h.Manager()
	var apis []ipfscluster.API
	if man.IsLoadedFromJSON(config.API, cfgs.Restapi.ConfigKey()) {
		var a *rest.API
		var err error
		if h.GetConsensus() == cfgs.Raft.ConfigKey() {
			a, err = rest.NewAPIWithHost(ctx, cfgs.Restapi, host)
		} else {
			a, err = rest.NewAPI(ctx, cfgs.Restapi)
		}
		if err != nil {
			return nil, fmt.Errorf("creating the REST API: %w", err)
		}
		apis = append(apis, a)
	}
	if man.IsLoadedFromJSON(config.API, cfgs.Pinsvcapi.ConfigKey()) {
		a, err := pinsvcapi.NewAPI(ctx, cfgs.Pinsvcapi)
		if err != nil {
			return nil, fmt.Errorf("creating the pinning service API: %w", err)
		}
		apis = append(apis, a)
	}
	if man.IsLoadedFromJSON(config.API, cfgs.Ipfsproxy.ConfigKey()) {
		a, err := ipfsproxy.New(cfgs.Ipfsproxy)
		if err != nil {
			return nil, fmt.Errorf("creating the IPFS proxy: %w", err)
		}
		apis = append(apis, a)
	}
	return apis, nil
}

// Shutdown stops the cluster peer and closes what it ran on.
func (p *Peer) Shutdown(ctx context.Context) error {
	var errs []error
	if p.Cluster != nil {
		errs = append(errs, p.Cluster.Shutdown(ctx))
	}
	errs = append(errs, p.close())
	return errors.Join(errs...)
}

func (p *Peer) close() error {
	var errs []error
	if p.DHT != nil {
		errs = append(errs, p.DHT.Close())
	}
	if p.Host != nil {
		errs = append(errs, p.Host.Close())
	}
	if p.Store != nil {
		errs = append(errs, p.Store.Close())
	}
	return errors.Join(errs...)
}
