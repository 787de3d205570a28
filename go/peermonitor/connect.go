package peermonitor

import (
	"errors"
	"fmt"
	"strings"
	"time"

	crypto "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/nats-io/nats.go"
	"github.com/peermon/peermon/go/identity"
)

// connect opens the monitor's NATS connection. A server that refuses the credentials is an error
// now (the operator must fix the configuration); a server that cannot be reached yet is not: the
// connection keeps trying in the background, as it does after every later loss, forever.
func connect(cfg *Config, name string, priv crypto.PrivKey, events connEvents) (*nats.Conn, error) {
	opts, err := natsOptions(cfg, name, priv, events)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(cfg.NatsURL, opts...)
	if err == nil {
		return nc, nil
	}
	if refused(err) {
		return nil, explainRefusal(cfg, err)
	}
	events.unreachable(err)
	return nats.Connect(cfg.NatsURL, append(opts, nats.RetryOnFailedConnect(true))...)
}

// connEvents receives what happens to the connection (logged by the monitor).
type connEvents struct {
	unreachable  func(error)
	disconnected func(error)
	reconnected  func(url string)
	asyncError   func(error)
}

func natsOptions(cfg *Config, name string, priv crypto.PrivKey, events connEvents) ([]nats.Option, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.Timeout(cfg.ConnectTimeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(cfg.ReconnectWait),
		// No buffer while disconnected: a metric is published now or fails now (IPFS Cluster then
		// retries sooner). A buffered one would reach the monitor late with its ttl counted from
		// then, and keep a peer alive for as long as the outage lasted.
		nats.ReconnectBufSize(-1),
		// Notice a dead server within ~30 s even when no packet says so.
		nats.PingInterval(10 * time.Second),
		nats.MaxPingsOutstanding(3),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { events.disconnected(err) }),
		nats.ReconnectHandler(func(nc *nats.Conn) { events.reconnected(nc.ConnectedUrlRedacted()) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { events.asyncError(err) }),
	}
	switch cfg.Auth {
	case AuthIdentity:
		opt, err := identity.NatsOption(priv)
		if err != nil {
			return nil, fmt.Errorf("peermon.auth %q: %w", AuthIdentity, err)
		}
		opts = append(opts, opt)
	case AuthPassword:
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	case AuthCreds:
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	return opts, nil
}

func refused(err error) bool {
	return errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrNkeysNotSupported) ||
		errors.Is(err, nats.ErrAuthExpired) || errors.Is(err, nats.ErrAuthRevoked) ||
		strings.Contains(strings.ToLower(err.Error()), "authorization violation")
}

func explainRefusal(cfg *Config, err error) error {
	switch {
	case errors.Is(err, nats.ErrNkeysNotSupported):
		return fmt.Errorf("NATS at %s does not authenticate by nkeys, so this peer cannot sign in with its identity: "+
			"give the server the authorization block `peermon auth` writes for the peerset, "+
			"or set monitor.peermon.auth to %q for a server without authentication: %w", cfg.NatsURL, AuthNone, err)
	case cfg.Auth == AuthIdentity:
		return fmt.Errorf("NATS at %s refused this peer's identity: add the peer to the server's authorization "+
			"(`peermon auth` with its peer id, then `nats-server --signal reload`): %w", cfg.NatsURL, err)
	default:
		return fmt.Errorf("NATS at %s refused the credentials of monitor.peermon (auth %q): %w", cfg.NatsURL, cfg.Auth, err)
	}
}
