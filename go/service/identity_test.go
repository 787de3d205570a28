package service_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipfs-cluster/ipfs-cluster/api"
	crypto "github.com/libp2p/go-libp2p/core/crypto"
	peer "github.com/libp2p/go-libp2p/core/peer"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"github.com/peermon/peermon/go/identity"
	"github.com/peermon/peermon/go/internal/harness"
	"github.com/peermon/peermon/go/peermon"
	"github.com/peermon/peermon/go/peermonitor"
	"github.com/peermon/peermon/go/service"
)

// securedNats starts a nats-server whose only users are what `peermon auth` writes for peers
// (their libp2p ids) and a monitor (an nkey); it returns the server and the monitor's seed file.
func securedNats(t *testing.T, peers []peer.ID) (*harness.NatsServer, string) {
	t.Helper()
	dir := t.TempDir()
	monitor, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := monitor.Seed()
	pub, _ := monitor.PublicKey()
	seedFile := filepath.Join(dir, "monitor.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"auth", "--monitor", pub, "--out", filepath.Join(dir, "peermon-accounts.conf")}
	for _, p := range peers {
		args = append(args, p.String())
	}
	if out, err := harness.CLI(t, args...); err != nil {
		t.Fatalf("peermon auth: %v\n%s", err, out)
	}
	conf := filepath.Join(dir, "nats.conf")
	body := "max_payload: 8MB\njetstream { max_memory_store: 256MB, max_file_store: 1GB }\ninclude \"peermon-accounts.conf\"\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return harness.StartNats(t, conf), seedFile
}

func ed25519Keys(t *testing.T, n int) ([]crypto.PrivKey, []peer.ID) {
	t.Helper()
	var keys []crypto.PrivKey
	var ids []peer.ID
	for i := 0; i < n; i++ {
		priv, _, err := crypto.GenerateEd25519Key(nil)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := peer.IDFromPrivateKey(priv)
		keys, ids = append(keys, priv), append(ids, id)
	}
	return keys, ids
}

func TestAPeersLibp2pKeyIsItsNatsIdentity(t *testing.T) {
	keys, ids := ed25519Keys(t, 3)
	ns, monitorSeed := securedNats(t, ids)
	asPeer, err := identity.NatsOption(keys[0])
	if err != nil {
		t.Fatal(err)
	}
	harness.StartMonitorAs(t, ns.URL(), []nats.Option{asPeer}, "--nkey", monitorSeed, "--grace", "5s")
	c := harness.StartCluster(t, 3, harness.ClusterSpec{
		Monitor: service.Peermon, NatsURL: ns.URL(), PingInterval: pingInterval, InformerTTL: pingTTL, Keys: keys,
		Tune: func(pm *peermonitor.Config) { pm.Auth = peermonitor.AuthIdentity },
	})
	harness.Eventually(t, 60*time.Second, "the peers, signed in with their own keys, are each other's peerset", func() bool {
		for _, p := range c.Peers {
			if !harness.SamePeers(pingPeers(p), ids) {
				return false
			}
		}
		return true
	})

	t.Run("a peer cannot publish another peer's metric", func(t *testing.T) {
		refused := make(chan error, 4)
		opt, err := identity.NatsOption(keys[0])
		if err != nil {
			t.Fatal(err)
		}
		nc, err := nats.Connect(ns.URL(), opt, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { refused <- err }))
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		liar, _ := peermon.New(nc)
		forged := api.Metric{Name: "ping", Peer: ids[1], Valid: true, Value: "forged by peer 0"}
		forged.SetTTL(time.Hour)
		if err := liar.Publish(forged); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-refused:
			if !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
				t.Fatalf("the server's refusal: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the server did not refuse peer 0's metric for peer 1")
		}
		// Peer 0 still publishes its own metrics on that connection.
		own := api.Metric{Name: "own", Peer: ids[0], Valid: true, Value: "mine"}
		own.SetTTL(time.Hour)
		if err := liar.Publish(own); err != nil {
			t.Fatal(err)
		}
		harness.Eventually(t, 10*time.Second, "its own metric is stored", func() bool {
			m, err := liar.Peer(context.Background(), "own", ids[0])
			return err == nil && m.Value == "mine"
		})
		m, err := liar.Peer(context.Background(), "ping", ids[1])
		if err != nil || m.Value == forged.Value {
			t.Fatalf("peer 1's ping is %q (%v): the forged one must never be stored", m.Value, err)
		}
	})

	t.Run("an unknown key cannot connect, and the error says what to do", func(t *testing.T) {
		stranger, _ := ed25519Keys(t, 1)
		cfg := &peermonitor.Config{}
		_ = cfg.Default()
		cfg.NatsURL = ns.URL()
		_, err := peermonitor.New(context.Background(), cfg, stranger[0], nil)
		if err == nil || !strings.Contains(err.Error(), "peermon auth") {
			t.Fatalf("want a refusal naming `peermon auth`, got %v", err)
		}
	})

	t.Run("a key that is not Ed25519 is refused before connecting, naming the fix", func(t *testing.T) {
		priv, _, err := crypto.GenerateSecp256k1Key(nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg := &peermonitor.Config{}
		_ = cfg.Default()
		cfg.NatsURL = ns.URL()
		_, err = peermonitor.New(context.Background(), cfg, priv, nil)
		if !errors.Is(err, identity.ErrNotEd25519) || !strings.Contains(err.Error(), "Ed25519 identity") {
			t.Fatalf("want ErrNotEd25519 naming the fix, got %v", err)
		}
	})

	t.Run("a server without nkeys is named", func(t *testing.T) {
		open := harness.StartNats(t, "")
		cfg := &peermonitor.Config{}
		_ = cfg.Default()
		cfg.NatsURL = open.URL()
		_, err := peermonitor.New(context.Background(), cfg, keys[0], nil)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", peermonitor.AuthNone)) {
			t.Fatalf("want an error that proposes auth none, got %v", err)
		}
	})
}
