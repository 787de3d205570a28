package harness

import (
	"net"
	"testing"
)

// FreePort is a TCP port on loopback that was free a moment ago. Only for a program that must be
// told its port in a file; a listener of the test itself listens on port 0 instead.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
