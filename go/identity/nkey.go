// Package identity makes a libp2p peer identity a NATS identity. NATS nkeys are Ed25519 keys, and
// so is a libp2p Ed25519 peer identity: a peer connects to NATS by signing the server's nonce with
// its own private key, and its NATS user public key follows from its peer id alone, so an
// authorization block can be written from the peerset (`peermon auth`) with no second secret to
// hand out.
package identity

import (
	"errors"
	"fmt"

	crypto "github.com/libp2p/go-libp2p/core/crypto"
	pb "github.com/libp2p/go-libp2p/core/crypto/pb"
	peer "github.com/libp2p/go-libp2p/core/peer"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// ErrNotEd25519 is the error of a peer identity whose key is not Ed25519: it cannot be an nkey.
var ErrNotEd25519 = errors.New("not an Ed25519 identity")

// UserNkey is the NATS user public key (U…) of a peer, read from its id alone.
func UserNkey(id peer.ID) (string, error) {
	pub, err := id.ExtractPublicKey()
	if err != nil {
		if errors.Is(err, peer.ErrNoPublicKey) {
			return "", fmt.Errorf("peer %s: %w: its id is a hash of its key (an RSA or ECDSA identity), which a NATS nkey cannot be: %s", id, ErrNotEd25519, fix)
		}
		return "", fmt.Errorf("peer %s: reading its public key from its id: %w", id, err)
	}
	return userNkey(id, pub)
}

// UserNkeyOf is the NATS user public key of a private key's identity.
func UserNkeyOf(priv crypto.PrivKey) (string, error) {
	id, err := peer.IDFromPrivateKey(priv)
	if err != nil {
		return "", err
	}
	return userNkey(id, priv.GetPublic())
}

// NatsOption connects as the peer's own identity: the server's nonce is signed with priv, and the
// user presented is the nkey of its public key.
func NatsOption(priv crypto.PrivKey) (nats.Option, error) {
	if priv == nil {
		return nil, errors.New("identity: no private key (is the peer's identity loaded?)")
	}
	user, err := UserNkeyOf(priv)
	if err != nil {
		return nil, err
	}
	return nats.Nkey(user, priv.Sign), nil
}

const fix = "give the peer an Ed25519 identity (`ipfs-cluster-service init` makes one; " +
	"an existing peer keeps its id only with its key, so a new identity is a new peer) " +
	"or connect it with a password or creds file instead"

func userNkey(id peer.ID, pub crypto.PubKey) (string, error) {
	if pub.Type() != pb.KeyType_Ed25519 {
		return "", fmt.Errorf("peer %s: %w: its key is %s, which a NATS nkey cannot be: %s", id, ErrNotEd25519, pub.Type(), fix)
	}
	raw, err := pub.Raw()
	if err != nil {
		return "", err
	}
	user, err := nkeys.Encode(nkeys.PrefixByteUser, raw)
	if err != nil {
		return "", fmt.Errorf("peer %s: encoding its key as an nkey: %w", id, err)
	}
	return string(user), nil
}
