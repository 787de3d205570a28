// Package service runs an IPFS Cluster peer from its configuration folder as ipfs-cluster-service
// does, every component IPFS Cluster's own, with one difference: when service.json holds a
// `monitor.peermon` section, the peer monitor is peermon (package peermonitor) instead of
// pubsubmon. Delete that section to go back to pubsubmon.
package service

import (
	"github.com/ipfs-cluster/ipfs-cluster/cmdutils"
	"github.com/ipfs-cluster/ipfs-cluster/config"
	"github.com/peermon/peermon/go/peermonitor"
)

// Monitor names.
const (
	Peermon   = "peermon"
	Pubsubmon = "pubsubmon"
)

// Config is a peer's configuration: IPFS Cluster's sections plus peermon's.
type Config struct {
	Helper  *cmdutils.ConfigHelper
	Peermon *peermonitor.Config
}

// NewConfig registers IPFS Cluster's sections and peermon's for the files at configPath and
// identityPath; consensus ("crdt", "raft") and datastore may be "" to take what the file holds.
// Call Load or Default next, and Helper.Manager().Shutdown() when done.
func NewConfig(configPath, identityPath, consensus, datastore string) *Config {
	helper := cmdutils.NewConfigHelper(configPath, identityPath, consensus, datastore)
	pm := &peermonitor.Config{}
	helper.Manager().RegisterComponent(config.Monitor, pm)
	return &Config{Helper: helper, Peermon: pm}
}

// Load reads the configuration and the identity from disk (and CLUSTER_* environment variables).
func (c *Config) Load() error { return c.Helper.LoadFromDisk() }

// Monitor is the monitor the configuration selects: peermon when service.json has its section.
func (c *Config) Monitor() string {
	if c.Helper.Manager().IsLoadedFromJSON(config.Monitor, c.Peermon.ConfigKey()) {
		return Peermon
	}
	return Pubsubmon
}
