package ledger

import (
	"bytes"
	"errors"
	"testing"
)

func TestKeysRoundTripThroughPEM(t *testing.T) {
	priv, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	privPEM, err := MarshalPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(privPEM, []byte("-----BEGIN PRIVATE KEY-----\n")) {
		t.Fatalf("private key PEM = %s", privPEM)
	}
	back, err := ParsePrivateKey(privPEM)
	if err != nil || !back.Equal(priv) {
		t.Fatalf("ParsePrivateKey = %v, %v", back, err)
	}
	pubPEM, err := MarshalPublicKey(pub(priv))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pubPEM, []byte("-----BEGIN PUBLIC KEY-----\n")) {
		t.Fatalf("public key PEM = %s", pubPEM)
	}
	p, err := ParsePublicKey(pubPEM)
	if err != nil || !p.Equal(pub(priv)) {
		t.Fatalf("ParsePublicKey = %v, %v", p, err)
	}
}

func TestKeyIDIsAShortFingerprint(t *testing.T) {
	if got := KeyID(pub(testKey(1))); got != goldenKeyID {
		t.Fatalf("KeyID = %s, want %s", got, goldenKeyID)
	}
	if KeyID(pub(testKey(1))) == KeyID(pub(testKey(2))) {
		t.Fatal("two keys share a KeyID")
	}
}

func TestParseKeyRefusesTheWrongBlock(t *testing.T) {
	pubPEM, _ := MarshalPublicKey(pub(testKey(1)))
	privPEM, _ := MarshalPrivateKey(testKey(1))
	if _, err := ParsePrivateKey(pubPEM); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ParsePrivateKey(public) error = %v", err)
	}
	if _, err := ParsePublicKey(privPEM); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ParsePublicKey(private) error = %v", err)
	}
	if _, err := ParsePublicKey([]byte("not pem")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ParsePublicKey(garbage) error = %v", err)
	}
	if _, err := MarshalPublicKey([]byte{1, 2}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("MarshalPublicKey(short) error = %v", err)
	}
}
