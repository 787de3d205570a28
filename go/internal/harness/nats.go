package harness

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// NatsServer is a nats-server on a port the OS chose, with JetStream in a temporary folder.
type NatsServer struct {
	tb       testing.TB
	conf     string
	storeDir string
	Port     int
	proc     *process
}

var listening = regexp.MustCompile(`Listening for client connections on [^ ]*:(\d+)`)

// StartNats starts nats-server with conf (the repository's nats.conf when ""), stopped when the
// test ends.
func StartNats(tb testing.TB, conf string) *NatsServer {
	tb.Helper()
	if conf == "" {
		conf = filepath.Join(RepoRoot(tb), "nats.conf")
	}
	s := &NatsServer{tb: tb, conf: conf, storeDir: tb.TempDir(), Port: -1}
	if err := s.start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Kill)
	return s
}

// URL is the server's client URL.
func (s *NatsServer) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.Port) }

func (s *NatsServer) start() error {
	cmd := exec.Command("nats-server", "-c", s.conf, "-a", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-js", "-sd", s.storeDir)
	port := 0
	p, err := start("nats-server", cmd, func(line string) bool {
		if m := listening.FindStringSubmatch(line); m != nil {
			port, _ = strconv.Atoi(m[1])
		}
		return port > 0 && regexp.MustCompile(`Server is ready`).MatchString(line)
	}, 20*time.Second)
	if err != nil {
		return fmt.Errorf("harness: %w (is Debian's nats-server installed? apt-get install nats-server)", err)
	}
	s.proc, s.Port = p, port
	return nil
}

// Kill stops the server at once, as a crash would.
func (s *NatsServer) Kill() {
	s.proc.kill()
}

// Restart kills the server and starts it again on the same port with the same JetStream store.
func (s *NatsServer) Restart(down time.Duration) {
	s.tb.Helper()
	s.Kill()
	time.Sleep(down)
	if err := s.start(); err != nil {
		s.tb.Fatal(err)
	}
}

// Log is what the server printed.
func (s *NatsServer) Log() string { return s.proc.out.String() }
