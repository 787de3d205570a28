package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	ipfscluster "github.com/ipfs-cluster/ipfs-cluster"
	"github.com/ipfs-cluster/ipfs-cluster/api"
	"github.com/ipfs-cluster/ipfs-cluster/config"
	"github.com/ipfs-cluster/ipfs-cluster/test"
	peer "github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/nats-io/nats.go"
	"github.com/peermon/peermon/go/internal/harness"
	"github.com/peermon/peermon/go/peermon"
)

// buildDaemon compiles this command once per test binary.
var buildDaemon = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ipfs-cluster-peermon-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, programName)
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// daemonPeer is a configuration folder made by `init` and its IPFS mock.
type daemonPeer struct {
	dir  string
	id   peer.ID
	mock *test.IpfsMock
	proc *harness.Process
}

func initPeer(t *testing.T, bin, natsURL, secret string) *daemonPeer {
	t.Helper()
	// The mock listens first, so that it cannot take a port init has just chosen.
	mock := test.NewIpfsMock(t)
	t.Cleanup(mock.Close)
	dir := t.TempDir()
	out, err := exec.Command(bin, "-c", dir, "init", "--auth", "none", "--nats", natsURL, "--randomports", "--secret", secret).CombinedOutput()
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	var ident struct{ ID string }
	readJSON(t, filepath.Join(dir, "identity.json"), &ident)
	id, err := peer.Decode(ident.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), ident.ID) || !strings.Contains(string(out), "NATS user: U") {
		t.Fatalf("init must print the peer id and its NATS user:\n%s", out)
	}
	return &daemonPeer{dir: dir, id: id, mock: mock}
}

// run starts the daemon with IPFS Cluster's intervals divided by 15 (CLUSTER_* variables, as an
// operator would override them). The ports `init --randomports` chose were free then; another
// test running meanwhile may have taken one since: then the daemon gets new ones and starts again.
func (d *daemonPeer) run(t *testing.T, bin string, args ...string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		cmd := exec.Command(bin, append([]string{"-c", d.dir, "daemon", "--loglevel", "error"}, args...)...)
		cmd.Env = append(os.Environ(),
			"CLUSTER_MONITORPINGINTERVAL=1s",
			"CLUSTER_DISK_METRICTTL=2s",
			"CLUSTER_MDNSINTERVAL=0s",
			fmt.Sprintf("CLUSTER_IPFSHTTP_NODEMULTIADDRESS=/ip4/%s/tcp/%d", d.mock.Addr, d.mock.Port),
		)
		proc, err := harness.TryStartProcess(t, "daemon "+filepath.Base(d.dir), cmd, func(line string) bool {
			return strings.Contains(line, "running with peermon")
		}, 60*time.Second)
		if err == nil {
			d.proc = proc
			return
		}
		if attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatal(err)
		}
		t.Logf("attempt %d: a port was taken meanwhile, choosing new ones: %v", attempt, err)
		d.newPorts(t)
	}
}

// newPorts gives every TCP port in service.json a free one (the same old port, the same new one).
func (d *daemonPeer) newPorts(t *testing.T) {
	t.Helper()
	path := filepath.Join(d.dir, "service.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	chosen := map[string]string{}
	out := tcpPort.ReplaceAllStringFunc(string(data), func(m string) string {
		if _, ok := chosen[m]; !ok {
			chosen[m] = fmt.Sprintf("/tcp/%d", harness.FreePort(t))
		}
		return chosen[m]
	})
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
}

var tcpPort = regexp.MustCompile(`/tcp/[0-9]+`)

// addr is the peer's cluster address on loopback, from its service.json.
func (d *daemonPeer) addr(t *testing.T) ma.Multiaddr {
	t.Helper()
	var cfg struct {
		Cluster struct {
			ListenMultiaddress config.Strings `json:"listen_multiaddress"`
		} `json:"cluster"`
	}
	readJSON(t, filepath.Join(d.dir, "service.json"), &cfg)
	for _, a := range cfg.Cluster.ListenMultiaddress {
		if strings.Contains(a, "/tcp/") {
			port := a[strings.LastIndex(a, "/")+1:]
			m, err := ma.NewMultiaddr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%s/p2p/%s", port, d.id))
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	t.Fatal("no tcp listen address in service.json")
	return nil
}

// restAPI is the base URL of the peer's REST API, from its service.json.
func (d *daemonPeer) restAPI(t *testing.T) string {
	var cfg struct {
		API struct {
			Restapi struct {
				Listen config.Strings `json:"http_listen_multiaddress"`
			} `json:"restapi"`
		} `json:"api"`
	}
	readJSON(t, filepath.Join(d.dir, "service.json"), &cfg)
	a := cfg.API.Restapi.Listen[0]
	return "http://127.0.0.1:" + a[strings.LastIndex(a, "/")+1:]
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestTheDaemonRunsIPFSClusterPeersOnPeermon(t *testing.T) {
	bin, err := buildDaemon()
	if err != nil {
		t.Fatal(err)
	}
	for f := range ipfscluster.LoggingFacilities {
		ipfscluster.SetFacilityLogLevel(f, "ERROR")
	}
	ns := harness.StartNats(t, "")
	harness.StartMonitor(t, ns.URL(), "--grace", "5s")
	nc, err := nats.Connect(ns.URL(), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	client, _ := peermon.New(nc)
	alerts := harness.FollowAlerts(t, client)

	secretBytes := make([]byte, 32)
	_, _ = rand.Read(secretBytes)
	secret := hex.EncodeToString(secretBytes)
	a, b := initPeer(t, bin, ns.URL(), secret), initPeer(t, bin, ns.URL(), secret)
	a.run(t, bin)
	b.run(t, bin, "--bootstrap", a.addr(t).String())

	harness.Eventually(t, 60*time.Second, "peermon's latest ping lists both daemons", func() bool {
		ms, err := client.Latest(context.Background(), "ping")
		return err == nil && len(ms) == 2
	})

	b.proc.Kill()
	harness.Eventually(t, 20*time.Second, "peermon alerts the killed daemon's ping", func() bool {
		return alerts.Count(peermon.Firing, "ping", b.id) == 1
	})
	harness.Eventually(t, 10*time.Second, "the live daemon's /health/alerts (IPFS Cluster's own API) shows it", func() bool {
		resp, err := http.Get(a.restAPI(t) + "/health/alerts")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var got []api.Alert
		if json.NewDecoder(resp.Body).Decode(&got) != nil {
			return false
		}
		for _, al := range got {
			if al.Name == "ping" && al.Peer == b.id {
				return true
			}
		}
		return false
	})

	if err := a.proc.Signal(syscall.SIGTERM, 30*time.Second); err != nil {
		t.Fatalf("the daemon must exit cleanly on SIGTERM: %v", err)
	}
}
