package peermon

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ipfs-cluster/ipfs-cluster/api"
	peer "github.com/libp2p/go-libp2p/core/peer"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// AlertKind says whether an alert starts a failure episode or ends it.
type AlertKind string

// The kinds of alert.
const (
	Firing   AlertKind = "firing"
	Resolved AlertKind = "resolved"
)

// Alert is one alert of the monitor: IPFS Cluster's api.Alert (the window's latest metric, and when
// the monitor decided) plus peermon's own fields.
type Alert struct {
	api.Alert
	// ID is the alert's ULID; a message delivered twice carries the same one.
	ID   string
	Kind AlertKind
	// Episode is the ID of the episode's first firing alert: repeats and the resolution carry it.
	Episode string
	// Muted: a silence matched when it was published (people are not paged; the silence's end
	// publishes the firing alert again, unmuted).
	Muted bool
}

// AlertSource says where a follower reads alerts from.
type AlertSource string

const (
	// FromLog: an ordered consumer of the alert log (JetStream): no alert is missed across a
	// reconnect, even one published while this client was cut off.
	FromLog AlertSource = "log"
	// FromSubject: a plain subscription, for a monitor without JetStream.
	FromSubject AlertSource = "subject"
)

// AlertFollower delivers alerts to a handler until Stop.
type AlertFollower struct {
	Source AlertSource
	stop   func()
	once   sync.Once
}

// Stop ends delivery; the handler is not called after it returns.
func (f *AlertFollower) Stop() { f.once.Do(f.stop) }

// AlertHandlers receive what a follower reads: each alert, and what could not be read.
type AlertHandlers struct {
	// Alert is called for each alert, in order, from one goroutine at a time: it must not block.
	Alert func(Alert)
	// Skipped (optional) is told about a message on the alert subjects that is not a peermon alert
	// of a libp2p peer.
	Skipped func(error)
	// Trouble (optional) is told about consumer trouble (missed heartbeats while NATS is away):
	// the follower recovers by itself.
	Trouble func(error)
}

// FollowAlerts delivers every alert published from now on: from the alert log when the monitor
// keeps one (JetStream), else from the alert subject.
func (c *Client) FollowAlerts(ctx context.Context, h AlertHandlers) (*AlertFollower, error) {
	if h.Alert == nil {
		return nil, errors.New("peermon: FollowAlerts needs an Alert handler")
	}
	deliver := func(data []byte) {
		a, err := decodeAlert(data)
		if err != nil {
			if h.Skipped != nil {
				h.Skipped(err)
			}
			return
		}
		h.Alert(a)
	}
	f, err := c.followLog(ctx, deliver, h.Trouble)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, jetstream.ErrStreamNotFound) && !errors.Is(err, jetstream.ErrJetStreamNotEnabled) &&
		!errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) && !errors.Is(err, nats.ErrNoResponders) {
		return nil, fmt.Errorf("peermon: following the alert log %s: %w", c.subj.stream("ALERTS"), err)
	}
	sub, err := c.nc.Subscribe(c.subj.alerts(), func(m *nats.Msg) { deliver(m.Data) })
	if err != nil {
		return nil, fmt.Errorf("peermon: subscribing to %s: %w", c.subj.alerts(), err)
	}
	return &AlertFollower{Source: FromSubject, stop: func() { _ = sub.Unsubscribe() }}, nil
}

func (c *Client) followLog(ctx context.Context, deliver func([]byte), trouble func(error)) (*AlertFollower, error) {
	js, err := jetstream.New(c.nc)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, c.subj.stream("ALERTS"), jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{c.subj.alertLog()},
		DeliverPolicy:     jetstream.DeliverNewPolicy,
		InactiveThreshold: time.Minute,
	})
	if err != nil {
		return nil, err
	}
	opts := []jetstream.PullConsumeOpt{}
	if trouble != nil {
		opts = append(opts, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) { trouble(err) }))
	}
	cc, err := cons.Consume(func(m jetstream.Msg) { deliver(m.Data()) }, opts...)
	if err != nil {
		return nil, err
	}
	return &AlertFollower{Source: FromLog, stop: cc.Stop}, nil
}

func decodeAlert(data []byte) (Alert, error) {
	var w wireAlert
	if err := decode(data, &w); err != nil {
		return Alert{}, err
	}
	if w.Kind != string(Firing) && w.Kind != string(Resolved) {
		return Alert{}, fmt.Errorf("peermon: an alert of kind %q (want firing or resolved)", w.Kind)
	}
	pid, err := peer.Decode(w.Peer)
	if err != nil {
		return Alert{}, fmt.Errorf("peermon: an alert for peer %q, which is not a libp2p peer id: %w", w.Peer, err)
	}
	m := toAPI(w.wireMetric, pid)
	a := Alert{ID: w.ID, Kind: AlertKind(w.Kind), Episode: w.Episode, Muted: w.Muted}
	a.Metric = m
	a.TriggeredAt = time.Unix(0, w.TriggeredAt)
	return a, nil
}

// toAPI is a wire metric as IPFS Cluster's type, times as the monitor sent them.
func toAPI(w wireMetric, pid peer.ID) api.Metric {
	return api.Metric{
		Name:          w.Name,
		Peer:          pid,
		Value:         w.Value,
		Expire:        w.Expire,
		Valid:         w.Valid,
		Weight:        w.Weight,
		Partitionable: w.Partitionable,
		ReceivedAt:    w.ReceivedAt,
	}
}
