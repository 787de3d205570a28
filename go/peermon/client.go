// Package peermon is a small Go client for peermon, the peer monitor on NATS: it publishes a
// peer's metrics, asks the monitor's queries (latest, peer, names), follows its alerts and sets the
// peerset, typed on IPFS Cluster's api.Metric and api.Alert. The wire format and subjects are
// peermon's public contract (ARCHITECTURE.md, docs/contract.md).
package peermon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs-cluster/ipfs-cluster/api"
	peer "github.com/libp2p/go-libp2p/core/peer"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/oklog/ulid/v2"
)

// DefaultTimeout bounds a query that the caller's context leaves unbounded: a monitor answers in
// milliseconds, so 2 s means it is gone or the link is broken.
const DefaultTimeout = 2 * time.Second

// Header names of the contract.
const (
	// nowHeader carries the monitor's wall clock (Unix ns) on latest and peer replies.
	nowHeader = "Peermon-Now"
	// excludeHeader asks `latest` to leave suspect peers out.
	excludeHeader = "Peermon-Exclude"
)

// Client talks to peermon over one NATS connection, which it never closes.
type Client struct {
	nc      *nats.Conn
	subj    subjects
	timeout time.Duration
	now     func() time.Time
}

// Option configures a Client.
type Option func(*Client) error

// WithPrefix sets the subjects' prefix (the monitor's --prefix). Default: "peermon".
func WithPrefix(prefix string) Option {
	return func(c *Client) error {
		if err := CheckPrefix(prefix); err != nil {
			return err
		}
		c.subj = subjects{prefix: prefix}
		return nil
	}
}

// WithTimeout bounds queries whose context has no deadline. Default: DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("peermon: the query timeout must be positive, not %s", d)
		}
		c.timeout = d
		return nil
	}
}

// withClock replaces the local clock (tests).
func withClock(now func() time.Time) Option {
	return func(c *Client) error { c.now = now; return nil }
}

// New returns a Client on nc.
func New(nc *nats.Conn, opts ...Option) (*Client, error) {
	if nc == nil {
		return nil, errors.New("peermon: New needs a NATS connection")
	}
	c := &Client{nc: nc, subj: subjects{prefix: DefaultPrefix}, timeout: DefaultTimeout, now: time.Now}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Conn is the NATS connection the client uses.
func (c *Client) Conn() *nats.Conn { return c.nc }

// Publish sends m on <prefix>.metrics.<name>.<peer>. IPFS Cluster's metrics carry only an absolute
// expiry on the sender's clock; the ttl on the wire (`l`) is what remains of it now, so the monitor
// counts the metric's life on its own clock and no clock skew decides what is alive. A metric
// already past its expiry goes without `l` (the monitor then reads it as expired).
func (c *Client) Publish(m api.Metric) error {
	w := toWire(m)
	if err := checkToken("metric name", w.Name); err != nil {
		return err
	}
	if err := checkToken("peer id", w.Peer); err != nil {
		return err
	}
	if remaining := time.Unix(0, m.Expire).Sub(c.now()); m.Expire > 0 && remaining > 0 {
		w.TTL = int64(remaining)
	}
	data, err := encode(w)
	if err != nil {
		return err
	}
	return c.nc.Publish(c.subj.metric(w.Name, w.Peer), data)
}

// QueryOption changes one query.
type QueryOption func(nats.Header)

// ExcludeSuspects asks `latest` to leave out peers the monitor suspects (late beyond their own
// rhythm, not yet expired): for cheap decisions such as where to place new data.
func ExcludeSuspects() QueryOption {
	return func(h nats.Header) { h.Set(excludeHeader, "suspect") }
}

// Latest asks for the latest valid metric of name of every current peer. A name no current peer
// ever sent is ErrUnknownName; a known name whose metrics all expired is an empty list.
func (c *Client) Latest(ctx context.Context, name string, opts ...QueryOption) ([]Metric, error) {
	if err := checkToken("metric name", name); err != nil {
		return nil, err
	}
	hdr := nats.Header{}
	for _, o := range opts {
		o(hdr)
	}
	reply, at, err := c.request(ctx, c.subj.latest(name), hdr)
	if err != nil {
		return nil, err
	}
	var ws []wireMetric
	if err := decode(reply.Data, &ws); err != nil {
		return nil, err
	}
	clocks := readClocks(reply, at)
	out := make([]Metric, 0, len(ws))
	for _, w := range ws {
		if m, ok := clocks.metric(w); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// Peer asks for the latest metric of name from pid, which may have expired. ErrNoMetric when the
// monitor holds none.
func (c *Client) Peer(ctx context.Context, name string, pid peer.ID) (Metric, error) {
	if err := checkToken("metric name", name); err != nil {
		return Metric{}, err
	}
	reply, at, err := c.request(ctx, c.subj.peer(name, pid.String()), nil)
	if err != nil {
		return Metric{}, err
	}
	var w wireMetric
	if err := decode(reply.Data, &w); err != nil {
		return Metric{}, err
	}
	m, ok := readClocks(reply, at).metric(w)
	if !ok {
		return Metric{}, fmt.Errorf("peermon: the monitor answered for peer %q, which is not a libp2p peer id", w.Peer)
	}
	return m, nil
}

// Names asks for every metric name the monitor knows (all shards together).
func (c *Client) Names(ctx context.Context) ([]string, error) {
	reply, _, err := c.request(ctx, c.subj.names(), nil)
	if err != nil {
		return nil, err
	}
	var names []string
	if err := decode(reply.Data, &names); err != nil {
		return nil, err
	}
	return names, nil
}

// SetPeerSet replaces the monitor's peerset with peers: only members are tracked and queried from
// then on, and a removed peer's windows are freed without an alert. Stored through JetStream when
// the monitor keeps the peerset there, else published plainly.
func (c *Client) SetPeerSet(ctx context.Context, peers []peer.ID) error {
	ps := wirePeerSet{Peers: make([]string, 0, len(peers)), ID: ulid.Make().String()}
	seen := make(map[peer.ID]bool, len(peers))
	for _, p := range peers {
		if seen[p] {
			continue
		}
		seen[p] = true
		if err := checkToken("peer id", p.String()); err != nil {
			return err
		}
		ps.Peers = append(ps.Peers, p.String())
	}
	data, err := encode(ps)
	if err != nil {
		return err
	}
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	js, err := jetstream.New(c.nc)
	if err == nil {
		_, err = js.Publish(ctx, c.subj.peerset(), data)
	}
	if err == nil {
		return nil
	}
	if !errors.Is(err, jetstream.ErrNoStreamResponse) && !errors.Is(err, nats.ErrNoResponders) {
		return fmt.Errorf("peermon: storing the peerset: %w", err)
	}
	// No stream keeps peersets (no JetStream, or no monitor created it yet): monitors running
	// now still apply a plain one.
	if err := c.nc.Publish(c.subj.peerset(), data); err != nil {
		return err
	}
	return c.nc.FlushWithContext(ctx)
}

func (c *Client) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.timeout)
}

// request sends a query and returns its answer with the local time it arrived.
func (c *Client) request(ctx context.Context, subject string, hdr nats.Header) (*nats.Msg, time.Time, error) {
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	reply, err := c.nc.RequestMsgWithContext(ctx, &nats.Msg{Subject: subject, Header: hdr})
	if errors.Is(err, context.DeadlineExceeded) {
		err = nats.ErrTimeout
	}
	if err != nil {
		return nil, time.Time{}, requestError(subject, err)
	}
	if err := replyError(subject, reply); err != nil {
		return nil, time.Time{}, err
	}
	return reply, c.now(), nil
}

func toWire(m api.Metric) wireMetric {
	w := wireMetric{
		Name:          m.Name,
		Value:         m.Value,
		Expire:        m.Expire,
		Valid:         m.Valid,
		Weight:        m.Weight,
		Partitionable: m.Partitionable,
	}
	if m.Peer != "" {
		w.Peer = m.Peer.String()
	}
	return w
}
