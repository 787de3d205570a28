package peermon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// Disruption is an event of peermon's disruption control: too many of a name's peers late or
// expired at once, so their firing alerts are held instead of sent one per peer.
type Disruption struct {
	Name string
	// Started is true for "started", false for "ended".
	Started bool
	// Fraction and Count of the name's tracked peers late or expired when decided.
	Fraction float64
	Count    int64
	ID       string
	// TriggeredAt is when the monitor decided, on its clock.
	TriggeredAt time.Time
}

type wireDisruption struct {
	Name        string  `codec:"n"`
	Kind        string  `codec:"k"`
	Fraction    float64 `codec:"f"`
	Count       int64   `codec:"c"`
	ID          string  `codec:"i"`
	TriggeredAt int64   `codec:"r"`
}

// FollowDisruptions calls handle with every disruption event published from now on (a plain
// subscription: events published while this client is cut off are not replayed).
func (c *Client) FollowDisruptions(handle func(Disruption)) (stop func(), err error) {
	if handle == nil {
		return nil, errors.New("peermon: FollowDisruptions needs a handler")
	}
	sub, err := c.nc.Subscribe(c.subj.prefix+".disruption.*", func(m *nats.Msg) {
		var w wireDisruption
		if decode(m.Data, &w) != nil || (w.Kind != "started" && w.Kind != "ended") {
			return
		}
		handle(Disruption{
			Name: w.Name, Started: w.Kind == "started", Fraction: w.Fraction, Count: w.Count,
			ID: w.ID, TriggeredAt: time.Unix(0, w.TriggeredAt),
		})
	})
	if err != nil {
		return nil, err
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// Released is a shard's answer to a release: whether a disruption of the name was open there,
// and how many held alerts it let go.
type Released struct {
	Shard    string `json:"shard"`
	Open     bool   `json:"open"`
	Released int    `json:"released"`
}

// ReleaseDisruption fires, now, the alerts a disruption of name holds (an operator's decision
// that the failures are real).
func (c *Client) ReleaseDisruption(ctx context.Context, name string) (Released, error) {
	if err := checkToken("metric name", name); err != nil {
		return Released{}, err
	}
	reply, _, err := c.request(ctx, c.subj.prefix+".release."+name, nil)
	if err != nil {
		return Released{}, err
	}
	var r Released
	if err := json.Unmarshal(reply.Data, &r); err != nil {
		return Released{}, fmt.Errorf("peermon: the release answer is not JSON: %w", err)
	}
	return r, nil
}
