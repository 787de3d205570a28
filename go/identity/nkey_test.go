package identity

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	crypto "github.com/libp2p/go-libp2p/core/crypto"
	peer "github.com/libp2p/go-libp2p/core/peer"
	"github.com/nats-io/nkeys"
)

// vectors are shared with the TypeScript side (peermon auth): both must agree byte for byte.
type vector struct {
	PeerID   string `json:"peer_id"`
	CIDv1    string `json:"cid_v1"`
	NkeyUser string `json:"nkey_user"`
	NkeySeed string `json:"nkey_seed"`
	KeyType  string `json:"key_type"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "test", "vectors", "libp2p-nkeys.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Vectors []vector }
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Vectors
}

func TestUserNkeyMatchesTheSharedVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.KeyType+"/"+v.PeerID[:12], func(t *testing.T) {
			id, err := peer.Decode(v.PeerID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := UserNkey(id)
			if v.KeyType != "Ed25519" {
				if !errors.Is(err, ErrNotEd25519) {
					t.Fatalf("a %s id: want ErrNotEd25519, got %v", v.KeyType, err)
				}
				if !strings.Contains(err.Error(), "Ed25519 identity") {
					t.Fatalf("the error must name the fix: %v", err)
				}
				return
			}
			if err != nil || got != v.NkeyUser {
				t.Fatalf("UserNkey(%s) = %q, %v; want %q", v.PeerID, got, err, v.NkeyUser)
			}
			if v.CIDv1 != "" {
				fromCid, err := peer.Decode(v.CIDv1)
				if err != nil || fromCid != id {
					t.Fatalf("the CIDv1 form %s decodes to %s, %v", v.CIDv1, fromCid, err)
				}
			}
		})
	}
}

func TestTheSignatureOfAPeerKeyVerifiesAsItsNkey(t *testing.T) {
	priv, _, err := crypto.GenerateEd25519Key(nil)
	if err != nil {
		t.Fatal(err)
	}
	user, err := UserNkeyOf(priv)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := peer.IDFromPrivateKey(priv)
	if fromID, _ := UserNkey(id); fromID != user {
		t.Fatalf("from the id %q, from the key %q", fromID, user)
	}
	nonce := []byte("a server nonce")
	sig, err := priv.Sign(nonce)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := nkeys.FromPublicKey(user)
	if err != nil {
		t.Fatal(err)
	}
	if err := kp.Verify(nonce, sig); err != nil {
		t.Fatalf("the server would refuse the signature: %v", err)
	}
}

func TestNatsOptionRefusesAKeyThatIsNotEd25519(t *testing.T) {
	priv, _, err := crypto.GenerateSecp256k1Key(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NatsOption(priv); !errors.Is(err, ErrNotEd25519) {
		t.Fatalf("want ErrNotEd25519, got %v", err)
	}
	if _, err := NatsOption(nil); err == nil {
		t.Fatal("no key must be an error")
	}
}
