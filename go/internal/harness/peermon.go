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
	tb    testing.TB
	args  []string
	proc  *process
	check []nats.Option
}

// StartMonitor runs `peermon serve --nats url args...` and waits until it answers a `names`
// query; it is stopped when the test ends.
func StartMonitor(tb testing.TB, url string, args ...string) *Monitor {
	tb.Helper()
	return StartMonitorAs(tb, url, nil, args...)
}

// StartMonitorAs is StartMonitor on a server with authentication: check are the credentials of
// the client that asks whether the monitor answers.
func StartMonitorAs(tb testing.TB, url string, check []nats.Option, args ...string) *Monitor {
	tb.Helper()
	m := &Monitor{tb: tb, check: check, args: append([]string{"serve", "--nats", url, "--log-level", "warn"}, args...)}
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
	if err := waitAnswering(url, m.check, p, 60*time.Second); err != nil {
		p.kill()
		m.tb.Fatalf("harness: %s:\n%s", err, p.out.String())
	}
}

// waitAnswering waits until a peermon monitor answers `peermon.names` on url.
func waitAnswering(url string, check []nats.Option, p *process, timeout time.Duration) error {
	nc, err := nats.Connect(url, append([]nats.Option{nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true)}, check...)...)
	if err != nil {
		return err
	}
	defer nc.Close()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("peermon serve exited (%v)", p.err)
		}
		if _, err := nc.Request("peermon.names", nil, 500*time.Millisecond); err == nil {
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

// CLI runs a peermon command of this checkout (`peermon args...`) and returns what it printed.
func CLI(tb testing.TB, args ...string) (string, error) {
	tb.Helper()
	cmd := exec.Command("node", append([]string{filepath.Join(RepoRoot(tb), "bin", "peermon.js")}, args...)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}
