package peermon

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
)

var (
	// ErrBadToken: a metric name, peer id or prefix that cannot be a subject token.
	ErrBadToken = errors.New("peermon: not a subject token")
	// ErrNoMonitor: nobody answers peermon's queries on this NATS server.
	ErrNoMonitor = errors.New("peermon: no monitor answered (is `peermon serve` running on this NATS server, with the same prefix?)")
	// ErrUnknownName: `latest` of a name no current peer ever sent (probably a typo).
	ErrUnknownName = errors.New("peermon: no metric of that name is known")
	// ErrNoMetric: `peer` of a (name, peer) the monitor holds no metric for.
	ErrNoMetric = errors.New("peermon: no metric of that name from that peer")
)

// QueryError is an error answer of the monitor: the services framework's error headers.
type QueryError struct {
	Subject     string
	Code        int
	Description string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("peermon: %s answered %d: %s", e.Subject, e.Code, e.Description)
}

// Is lets errors.Is match a 404 of `latest` with ErrUnknownName and of `peer` with ErrNoMetric.
func (e *QueryError) Is(target error) bool {
	return e.Code == 404 && (target == ErrUnknownName || target == ErrNoMetric)
}

// replyError reads the services framework's error headers of a reply; nil when it is an answer.
func replyError(subject string, m *nats.Msg) error {
	if m.Header == nil {
		return nil
	}
	code := m.Header.Get("Nats-Service-Error-Code")
	if code == "" {
		return nil
	}
	n, err := strconv.Atoi(code)
	if err != nil {
		n = 500
	}
	return &QueryError{Subject: subject, Code: n, Description: m.Header.Get("Nats-Service-Error")}
}

// requestError names what a failed request means for a peermon user.
func requestError(subject string, err error) error {
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return fmt.Errorf("%s: %w", subject, ErrNoMonitor)
	case errors.Is(err, nats.ErrTimeout):
		return fmt.Errorf("%s: no answer in time (the monitor is busy or the NATS link is slow; raise the request timeout): %w", subject, err)
	default:
		return fmt.Errorf("%s: %w", subject, err)
	}
}
