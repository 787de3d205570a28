// Package harness runs the real parts the Go module is tested against: a nats-server (Debian's,
// from the PATH) with the repository's nats.conf, `peermon serve` from this checkout, and IPFS
// Cluster peers built by package service. Every process it starts is stopped when the test ends,
// and only those.
package harness

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RepoRoot is the peermon checkout this module lives in (the folder holding nats.conf).
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "nats.conf")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "bin", "peermon.js")); err == nil {
				return dir
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("harness: no peermon checkout (nats.conf, bin/peermon.js) above the working directory")
		}
		dir = parent
	}
}

// process is a child process whose output is kept for the test log.
type process struct {
	name string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
	err  error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start runs cmd; watch (optional) reads its stderr line by line until it returns true.
func start(name string, cmd *exec.Cmd, ready func(line string) bool, timeout time.Duration) (*process, error) {
	p := &process{name: name, cmd: cmd, out: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout = p.out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	matched := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		seen := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.out, line)
			if !seen && ready != nil && ready(line) {
				seen = true
				close(matched)
			}
		}
		_, _ = io.Copy(p.out, stderr)
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if ready == nil {
		return p, nil
	}
	select {
	case <-matched:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited before it was ready (%v):\n%s", name, p.err, p.out.String())
	case <-time.After(timeout):
		p.kill()
		return nil, fmt.Errorf("%s not ready after %s:\n%s", name, timeout, p.out.String())
	}
}

// kill stops the process group at once (SIGKILL) and waits for it.
func (p *process) kill() {
	if p == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// stop asks the process to end (SIGTERM), then kills it after grace.
func (p *process) stop(grace time.Duration) {
	if p == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.kill()
	}
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

var errNotReady = errors.New("not ready")

// Process is a program a test started; it is killed when the test ends.
type Process struct{ p *process }

// StartProcess runs cmd; when ready is set, it waits (up to timeout) for a line of the process's
// standard error that ready accepts.
func StartProcess(tb testing.TB, name string, cmd *exec.Cmd, ready func(line string) bool, timeout time.Duration) *Process {
	tb.Helper()
	p, err := TryStartProcess(tb, name, cmd, ready, timeout)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// TryStartProcess is StartProcess that returns the error of a process that did not get ready
// (its output included), so that the caller may try again.
func TryStartProcess(tb testing.TB, name string, cmd *exec.Cmd, ready func(line string) bool, timeout time.Duration) (*Process, error) {
	p, err := start(name, cmd, ready, timeout)
	if err != nil {
		return nil, err
	}
	tb.Cleanup(func() {
		p.kill()
		if tb.Failed() {
			tb.Logf("%s printed:\n%s", name, p.out.String())
		}
	})
	return &Process{p: p}, nil
}

// Kill ends the process at once, as a crash would.
func (p *Process) Kill() { p.p.kill() }

// Signal sends sig to the process and waits up to timeout for it to exit; it reports the exit
// error, or an error when it did not exit.
func (p *Process) Signal(sig syscall.Signal, timeout time.Duration) error {
	_ = p.p.cmd.Process.Signal(sig)
	select {
	case <-p.p.done:
		return p.p.err
	case <-time.After(timeout):
		return fmt.Errorf("%s did not exit within %s of %s", p.p.name, timeout, sig)
	}
}

// Output is what the process printed so far.
func (p *Process) Output() string { return p.p.out.String() }
