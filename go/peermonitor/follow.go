package peermonitor

import (
	"time"

	"github.com/peermon/peermon/go/peermon"
)

// followAlerts starts following peermon's alerts and keeps trying until it can (NATS or the
// monitor may come up after this peer); once started, the follower rides out reconnections.
func (mon *Monitor) followAlerts() {
	defer mon.wg.Done()
	wait := mon.cfg.ReconnectWait
	for attempt := 1; ; attempt++ {
		f, err := mon.client.FollowAlerts(mon.ctx, peermon.AlertHandlers{
			Alert: mon.relay.relay,
			Skipped: func(err error) {
				mon.relay.counters.skipped.Add(1)
				logger.Debugf("skipped a message on the alert subjects: %s", err)
			},
			Trouble: func(err error) { logger.Debugf("following alerts: %s", err) },
		})
		if err == nil {
			logger.Infof("following peermon's alerts (%s)", f.Source)
			<-mon.ctx.Done()
			f.Stop()
			return
		}
		if attempt == 1 || attempt%30 == 0 {
			logger.Warnf("cannot follow peermon's alerts yet (attempt %d, trying again every %s): %s", attempt, wait, err)
		}
		select {
		case <-mon.ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// alertDropped is told each time an alert found Alerts() full: said once at info level, since
// IPFS Cluster with repinning disabled (its default) never reads the channel again.
func (mon *Monitor) alertDropped(total uint64) {
	if total == 1 {
		logger.Infof("an alert found the Alerts() channel full (%d slots) and was dropped: nobody reads it "+
			"(repinning disabled?); later drops are counted, not logged", mon.cfg.AlertBuffer)
	}
}

func (mon *Monitor) connEvents() connEvents {
	return connEvents{
		unreachable: func(err error) {
			logger.Warnf("NATS at %s cannot be reached yet (%s): trying in the background; metrics are not published until then", mon.cfg.NatsURL, err)
		},
		disconnected: func(err error) {
			if err != nil {
				logger.Warnf("lost NATS (%s): reconnecting; metrics are not published until then", err)
			}
		},
		reconnected: func(url string) { logger.Infof("NATS is back (%s)", url) },
		asyncError:  func(err error) { logger.Errorf("NATS: %s", err) },
	}
}
