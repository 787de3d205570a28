package peermon

import (
	"bytes"
	"fmt"

	gocodec "github.com/ugorji/go/codec"
)

// msgpackHandle is IPFS Cluster's codec (plain msgpack maps, no extensions), shared by every
// encoder and decoder of this package. It is safe for concurrent use once configured.
var msgpackHandle = newHandle()

func newHandle() *gocodec.MsgpackHandle {
	h := &gocodec.MsgpackHandle{}
	// Strings on the wire decode into strings, never into []byte.
	h.RawToString = true
	return h
}

// wireMetric is a Metric as it travels on peermon's subjects (ARCHITECTURE.md, "Wire format"):
// IPFS Cluster's codec tags, the peer as its text id (IPFS Cluster's own codec writes peer.ID's
// binary multihash, which is not a subject token), and peermon's relative ttl `l`.
type wireMetric struct {
	Name          string `codec:"n,omitempty"`
	Peer          string `codec:"p,omitempty"`
	Value         string `codec:"v,omitempty"`
	Expire        int64  `codec:"e,omitempty"`
	Valid         bool   `codec:"d,omitempty"`
	Weight        int64  `codec:"w,omitempty"`
	Partitionable bool   `codec:"o,omitempty"`
	ReceivedAt    int64  `codec:"t,omitempty"`
	TTL           int64  `codec:"l,omitempty"`
}

// wireAlert is an Alert on the wire: the window's latest metric plus the alert's own fields.
type wireAlert struct {
	wireMetric
	TriggeredAt int64  `codec:"r,omitempty"`
	ID          string `codec:"i,omitempty"`
	Kind        string `codec:"k,omitempty"`
	Episode     string `codec:"x,omitempty"`
	Muted       bool   `codec:"m,omitempty"`
}

// wirePeerSet is a PeerSet snapshot: every current peer, and the snapshot's ULID.
type wirePeerSet struct {
	Peers []string `codec:"s"`
	ID    string   `codec:"i,omitempty"`
}

func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := gocodec.NewEncoder(&b, msgpackHandle).Encode(v); err != nil {
		return nil, fmt.Errorf("encoding %T as msgpack: %w", v, err)
	}
	return b.Bytes(), nil
}

func decode(data []byte, v any) error {
	if err := gocodec.NewDecoderBytes(data, msgpackHandle).Decode(v); err != nil {
		return fmt.Errorf("decoding %T from msgpack: %w", v, err)
	}
	return nil
}
