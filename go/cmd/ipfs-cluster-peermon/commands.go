package main

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	ipfscluster "github.com/ipfs-cluster/ipfs-cluster"
	"github.com/ipfs-cluster/ipfs-cluster/cmdutils"
	fslock "github.com/ipfs/go-fs-lock"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/peermon/peermon/go/identity"
	"github.com/peermon/peermon/go/peermonitor"
	"github.com/peermon/peermon/go/service"
)

// monitorFlags are the peermon settings a command line may give.
type monitorFlags struct {
	natsURL, auth, prefix *string
}

func addMonitorFlags(fs *flag.FlagSet) monitorFlags {
	return monitorFlags{
		natsURL: fs.String("nats", peermonitor.DefaultNatsURL, "NATS server URL(s), comma-separated"),
		auth:    fs.String("auth", peermonitor.DefaultAuth, `how the peer signs in to NATS: "identity" (its own key), "none", "password" or "creds"`),
		prefix:  fs.String("prefix", "peermon", "the monitor's subject prefix"),
	}
}

func (f monitorFlags) apply(cfg *peermonitor.Config) error {
	cfg.NatsURL, cfg.Auth, cfg.Prefix = *f.natsURL, *f.auth, *f.prefix
	return cfg.Validate()
}

// applySet changes only what the command line gave, keeping the rest of cfg.
func (f monitorFlags) applySet(fs *flag.FlagSet, cfg *peermonitor.Config) error {
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "nats":
			cfg.NatsURL = *f.natsURL
		case "auth":
			cfg.Auth = *f.auth
		case "prefix":
			cfg.Prefix = *f.prefix
		}
	})
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	return nil
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s takes no argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

func initCommand(paths folderPaths, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	consensus := fs.String("consensus", "crdt", `"crdt" or "raft"`)
	datastore := fs.String("datastore", "pebble", `"pebble", "badger3", "badger" or "leveldb" (crdt only)`)
	secret := fs.String("secret", "", "the cluster's secret, 64 hex characters (default: a new random one; every peer of a cluster needs the same)")
	force := fs.Bool("force", false, "overwrite an existing service.json")
	randomPorts := fs.Bool("randomports", false, "listen on random free ports instead of the defaults")
	mf := addMonitorFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *consensus != "crdt" && *consensus != "raft" {
		return usageError{fmt.Sprintf(`--consensus must be "crdt" or "raft", not %q`, *consensus)}
	}
	if _, err := os.Stat(paths.config()); err == nil && !*force {
		return fmt.Errorf("%s exists: to keep that peer and use peermon, run `%s switch peermon`; to start over, add --force", paths.config(), programName)
	}
	cfg := service.NewConfig(paths.config(), paths.identity(), *consensus, *datastore)
	defer cfg.Helper.Manager().Shutdown()
	if err := cfg.Helper.Manager().Default(); err != nil {
		return fmt.Errorf("making the default configuration: %w", err)
	}
	if err := cfg.Helper.Manager().ApplyEnvVars(); err != nil {
		return fmt.Errorf("applying CLUSTER_* environment variables: %w", err)
	}
	if err := mf.apply(cfg.Peermon); err != nil {
		return usageError{err.Error()}
	}
	cfgs := cfg.Helper.Configs()
	if *secret != "" {
		s, err := hex.DecodeString(*secret)
		if err != nil || len(s) != 32 {
			return usageError{"--secret must be 64 hex characters (32 bytes), as in another peer's service.json"}
		}
		cfgs.Cluster.Secret = s
	}
	if *randomPorts {
		if err := randomizePorts(cfgs); err != nil {
			return err
		}
	}
	if err := cfg.Helper.SaveConfigToDisk(); err != nil {
		return fmt.Errorf("writing %s: %w", paths.config(), err)
	}
	fmt.Fprintf(stdout, "configuration written to %s (monitor: peermon at %s)\n", paths.config(), cfg.Peermon.NatsURL)
	if _, err := os.Stat(paths.identity()); err == nil {
		return nkeyCommand(paths, stdout)
	}
	ident := cfg.Helper.Identity()
	if err := ident.Default(); err != nil {
		return fmt.Errorf("making an identity: %w", err)
	}
	if err := ident.ApplyEnvVars(); err != nil {
		return fmt.Errorf("applying CLUSTER_ID/CLUSTER_PRIVATEKEY: %w", err)
	}
	if err := cfg.Helper.SaveIdentityToDisk(); err != nil {
		return fmt.Errorf("writing %s: %w", paths.identity(), err)
	}
	fmt.Fprintf(stdout, "new identity written to %s\n", paths.identity())
	return nkeyCommand(paths, stdout)
}

func randomizePorts(cfgs *cmdutils.Configs) error {
	var err error
	for _, addrs := range []*[]ma.Multiaddr{&cfgs.Cluster.ListenAddr, &cfgs.Restapi.HTTPListenAddr, &cfgs.Ipfsproxy.ListenAddr, &cfgs.Pinsvcapi.HTTPListenAddr} {
		if *addrs, err = cmdutils.RandomizePorts(*addrs); err != nil {
			return fmt.Errorf("picking random ports: %w", err)
		}
	}
	return nil
}

func switchCommand(paths folderPaths, args []string, stdout io.Writer) error {
	if len(args) == 0 || (args[0] != service.Peermon && args[0] != service.Pubsubmon) {
		return usageError{`switch takes "peermon" or "pubsubmon"`}
	}
	to := args[0]
	fs := flag.NewFlagSet("switch "+to, flag.ContinueOnError)
	var mf monitorFlags
	if to == service.Peermon {
		mf = addMonitorFlags(fs)
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if to == service.Pubsubmon {
		if err := removeMonitorSection(paths.config(), service.Peermon); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: monitor.peermon removed; the peer runs pubsubmon from its next start (with this command or ipfs-cluster-service)\n", paths.config())
		return nil
	}
	pm, err := setMonitorSection(paths.config(), func(pm *peermonitor.Config) error { return mf.applySet(fs, pm) })
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: monitor.peermon set (peermon at %s, auth %s); restart the peer with `%s daemon`\n", paths.config(), pm.NatsURL, pm.Auth, programName)
	return nkeyCommand(paths, stdout)
}

func nkeyCommand(paths folderPaths, stdout io.Writer) error {
	cfg := service.NewConfig(paths.config(), paths.identity(), "", "")
	defer cfg.Helper.Manager().Shutdown()
	if err := cfg.Helper.LoadIdentityFromDisk(); err != nil {
		return fmt.Errorf("reading the identity (run `%s init` first): %w", programName, err)
	}
	ident := cfg.Helper.Identity()
	user, err := identity.UserNkeyOf(ident.PrivateKey)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "peer id:   %s\nNATS user: %s\n", ident.ID, user)
	fmt.Fprintf(stdout, "(the NATS server learns it with `peermon auth %s`)\n", ident.ID)
	return nil
}

func daemonCommand(paths folderPaths, args []string) error {
	fs := flag.NewFlagSet("daemon", flag.ContinueOnError)
	bootstrap := fs.String("bootstrap", "", "multiaddresses of peers to join, comma-separated")
	noTrust := fs.Bool("no-trust", false, "do not trust the bootstrap peers (crdt)")
	level := fs.String("loglevel", "info", "log level: debug, info, warn, error")
	if err := parse(fs, args); err != nil {
		return err
	}
	var addrs []ma.Multiaddr
	for _, s := range strings.Split(*bootstrap, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			return usageError{fmt.Sprintf("--bootstrap %q is not a multiaddress: %s", s, err)}
		}
		addrs = append(addrs, a)
	}
	setLogLevel(*level)
	lock, err := fslock.Lock(paths.dir, "cluster.lock")
	if err != nil {
		return fmt.Errorf("%s is in use (%s): stop the other ipfs-cluster-service or %s, or remove the stale lock file", paths.dir, err, programName)
	}
	defer lock.Close()
	cfg := service.NewConfig(paths.config(), paths.identity(), "", "")
	defer cfg.Helper.Manager().Shutdown()
	if err := cfg.Load(); err != nil {
		return fmt.Errorf("loading %s (run `%s init` for a new peer): %w", paths.config(), programName, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	peer, err := service.Start(ctx, cfg, service.Options{Bootstrap: addrs, NoTrust: *noTrust, WithAPIs: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: peer %s running with %s\n", programName, peer.Host.ID(), peer.MonitorName)
	return cmdutils.HandleSignals(ctx, cancel, peer.Cluster, peer.Host, peer.DHT, peer.Store)
}

func setLogLevel(level string) {
	for f := range ipfscluster.LoggingFacilities {
		ipfscluster.SetFacilityLogLevel(f, level)
	}
	for _, f := range []string{"peermon", "service"} {
		ipfscluster.SetFacilityLogLevel(f, level)
	}
}
