package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// Monitor is a `peermon serve` process of this checkout.
type Monitor struct {
	tb   testing.TB
	args []string
	proc *process
}

// StartMonitor runs `peermon serve --nats url args...` and waits until it answers the services
// framework's PING; it is stopped when the test ends.
func StartMonitor(tb testing.TB, url string, args ...string) *Monitor {
	tb.Helper()
	m := &Monitor{tb: tb, args: append([]string{"serve", "--nats", url, "--log-level", "warn"}, args...)}
	m.start(url)
	tb.Cleanup(func() {
		m.proc.stop(5 * time.Second)
		if tb.Failed() {
			tb.Logf("peermon serve printed:\n%s", m.proc.out.String())
		}
	})
	return m
}

func (m *Monitor) start(url string) {
	m.tb.Helper()
	root := RepoRoot(m.tb)
	cmd := exec.Command("node", append([]string{filepath.Join(root, "bin", "peermon.js")}, m.args...)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	p, err := start("peermon serve", cmd, nil, 0)
	if err != nil {
		m.tb.Fatal(err)
	}
	m.proc = p
	if err := waitAnswering(url, p, 60*time.Second); err != nil {
		p.kill()
		m.tb.Fatalf("harness: %s:\n%s", err, p.out.String())
	}
}

// waitAnswering waits until a peermon service answers $SRV.PING.peermon on url.
func waitAnswering(url string, p *process, timeout time.Duration) error {
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true))
	if err != nil {
		return err
	}
	defer nc.Close()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("peermon serve exited (%v)", p.err)
		}
		if _, err := nc.Request("$SRV.PING.peermon", nil, 500*time.Millisecond); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("peermon serve did not answer within %s", timeout)
}

// Kill stops the monitor at once (SIGKILL), as a crash would.
func (m *Monitor) Kill() { m.proc.kill() }

// Restart kills the monitor and starts it again with the same arguments, on url.
func (m *Monitor) Restart(url string) {
	m.tb.Helper()
	m.Kill()
	m.start(url)
}

// Log is what the monitor printed.
func (m *Monitor) Log() string { return m.proc.out.String() }
