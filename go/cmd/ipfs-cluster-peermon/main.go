// Command ipfs-cluster-peermon runs an IPFS Cluster peer whose peer monitor is peermon: IPFS
// Cluster's service, every other component IPFS Cluster's own, reading the same configuration
// folder as ipfs-cluster-service. The `monitor.peermon` section of service.json selects peermon;
// without it the peer runs pubsubmon, exactly as ipfs-cluster-service would.
//
//	ipfs-cluster-peermon init [--consensus crdt] [--nats URL] [--auth identity]   a new peer
//	ipfs-cluster-peermon switch peermon [--nats URL] [--auth identity]            an existing peer
//	ipfs-cluster-peermon switch pubsubmon                                         back (rollback)
//	ipfs-cluster-peermon daemon [--bootstrap MULTIADDR,...]                       run the peer
//	ipfs-cluster-peermon nkey                                                     the peer's NATS user
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

const programName = "ipfs-cluster-peermon"

// Exit codes: 0 done, 1 could not be done, 2 usage (as peermon's CLI).
const (
	exitFailed = 1
	exitUsage  = 2
)

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	err := dispatch(args, stdout)
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %s\n", programName, err)
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "run `%s help` for the commands\n", programName)
		return exitUsage
	}
	return exitFailed
}

func dispatch(args []string, stdout io.Writer) error {
	global := flag.NewFlagSet(programName, flag.ContinueOnError)
	global.SetOutput(io.Discard)
	folder := global.String("config", defaultFolder(), "the peer's configuration folder")
	global.StringVar(folder, "c", defaultFolder(), "the peer's configuration folder")
	if err := global.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	paths := folderPaths{dir: *folder}
	rest := global.Args()
	if len(rest) == 0 {
		printHelp(stdout)
		return usageError{"no command given"}
	}
	switch rest[0] {
	case "init":
		return initCommand(paths, rest[1:], stdout)
	case "switch":
		return switchCommand(paths, rest[1:], stdout)
	case "daemon":
		return daemonCommand(paths, rest[1:])
	case "nkey":
		return nkeyCommand(paths, stdout)
	case "help", "-h", "--help":
		printHelp(stdout)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", rest[0])}
}

// folderPaths are the files of a peer's configuration folder, named as ipfs-cluster-service names them.
type folderPaths struct{ dir string }

func (p folderPaths) config() string   { return filepath.Join(p.dir, "service.json") }
func (p folderPaths) identity() string { return filepath.Join(p.dir, "identity.json") }

// defaultFolder is ipfs-cluster-service's: $IPFS_CLUSTER_PATH, else ~/.ipfs-cluster.
func defaultFolder() string {
	if p := os.Getenv("IPFS_CLUSTER_PATH"); p != "" {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".ipfs-cluster"
	}
	return filepath.Join(home, ".ipfs-cluster")
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, strings.TrimLeft(`
ipfs-cluster-peermon runs an IPFS Cluster peer whose peer monitor is peermon (docs/ipfs-cluster.md in peermon):
IPFS Cluster's service with every component its own, reading the same folder as ipfs-cluster-service.

Usage: ipfs-cluster-peermon [--config DIR] COMMAND [flags]
  --config, -c DIR   the peer's configuration folder (default $IPFS_CLUSTER_PATH or ~/.ipfs-cluster)

Commands:
  init      write service.json and identity.json for a new peer, with the monitor.peermon section
  switch    switch an existing peer's monitor: "switch peermon [--nats URL] [--auth identity]"
            adds the monitor.peermon section, "switch pubsubmon" removes it (rollback)
  daemon    run the peer (--bootstrap MULTIADDR[,MULTIADDR…], --no-trust, --loglevel LEVEL)
  nkey      print the peer's id and its NATS user nkey (what "peermon auth" writes for it)
  help      this text

Run "ipfs-cluster-peermon COMMAND --help" for a command's flags.
`, "\n"))
}
