package ledger

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// CheckpointVersion opens every signed checkpoint message and names the JSON form.
const CheckpointVersion = "cg-ledger-checkpoint-v1"

// checkpointTime is the one text form of a checkpoint's time, in the message and in JSON.
const checkpointTime = "2006-01-02T15:04:05.000Z"

// ErrSignature marks a checkpoint whose signature does not verify, or that is signed by a
// key the verifier does not hold.
var ErrSignature = errors.New("ledger: bad checkpoint signature")

// Checkpoint is a signed statement "the ledger's record Seq has hash Hash", made at At with
// the installation key named KeyID. Whoever keeps it, with the public key, can later prove
// that the ledger was not rewritten up to Seq.
//
// Its JSON form is one object:
//
//	{"format":"cg-ledger-checkpoint-v1","seq":42,"hash":"<64 hex>",
//	 "at":"2026-05-01T08:00:00.000Z","key_id":"<16 hex>","signature":"<base64>"}
//
// where signature is the standard base64 (with padding) of the 64-byte ed25519 signature of
// the message described in the package documentation.
type Checkpoint struct {
	Seq       int64
	Hash      string
	At        time.Time // UTC, millisecond precision
	KeyID     string
	Signature []byte
}

// NewCheckpoint signs head at time at with key.
func NewCheckpoint(key ed25519.PrivateKey, head Head, at time.Time) (Checkpoint, error) {
	if len(key) != ed25519.PrivateKeySize {
		return Checkpoint{}, fmt.Errorf("%w: private key of %d bytes", ErrInvalid, len(key))
	}
	if head.Seq < 1 {
		return Checkpoint{}, fmt.Errorf("%w: an empty ledger has nothing to checkpoint", ErrInvalid)
	}
	c := Checkpoint{
		Seq:   head.Seq,
		Hash:  head.Hash,
		At:    at.UTC().Truncate(time.Millisecond),
		KeyID: KeyID(key.Public().(ed25519.PublicKey)),
	}
	if err := c.validate(); err != nil {
		return Checkpoint{}, err
	}
	c.Signature = ed25519.Sign(key, c.Message())
	return c, nil
}

// Message is the exact byte string the signature covers.
func (c Checkpoint) Message() []byte {
	b := make([]byte, 0, 160)
	b = append(b, CheckpointVersion+"\nseq "...)
	b = strconv.AppendInt(b, c.Seq, 10)
	b = append(b, "\nhash "...)
	b = append(b, c.Hash...)
	b = append(b, "\nat "...)
	b = c.At.UTC().AppendFormat(b, checkpointTime)
	b = append(b, "\nkey "...)
	b = append(b, c.KeyID...)
	return append(b, '\n')
}

// Head is the chain end the checkpoint vouches for.
func (c Checkpoint) Head() Head { return Head{Seq: c.Seq, Hash: c.Hash} }

// Check verifies the signature with whichever of keys KeyID names. It fails with
// ErrSignature when none of them is that key or the signature does not verify.
func (c Checkpoint) Check(keys ...ed25519.PublicKey) error {
	if err := c.validate(); err != nil {
		return err
	}
	for _, k := range keys {
		if len(k) != ed25519.PublicKeySize || KeyID(k) != c.KeyID {
			continue
		}
		if !ed25519.Verify(k, c.Message(), c.Signature) {
			return fmt.Errorf("%w: checkpoint at record %d: the signature does not verify with key %s", ErrSignature, c.Seq, c.KeyID)
		}
		return nil
	}
	return fmt.Errorf("%w: checkpoint at record %d is signed with key %s, which is not a trusted key", ErrSignature, c.Seq, c.KeyID)
}

func (c Checkpoint) validate() error {
	switch {
	case c.Seq < 1:
		return fmt.Errorf("%w: checkpoint seq %d: want 1 or more", ErrInvalid, c.Seq)
	case !isHex64(c.Hash):
		return fmt.Errorf("%w: checkpoint hash %q: want 64 lower-case hex characters", ErrInvalid, c.Hash)
	case c.At.IsZero() || c.At.Nanosecond()%int(time.Millisecond) != 0:
		return fmt.Errorf("%w: checkpoint time: want a set time with millisecond precision", ErrInvalid)
	case !isHexN(c.KeyID, 16):
		return fmt.Errorf("%w: checkpoint key id %q: want 16 lower-case hex characters", ErrInvalid, c.KeyID)
	case c.Signature != nil && len(c.Signature) != ed25519.SignatureSize:
		return fmt.Errorf("%w: checkpoint signature of %d bytes", ErrInvalid, len(c.Signature))
	}
	return nil
}

type checkpointJSON struct {
	Format    string `json:"format"`
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	At        string `json:"at"`
	KeyID     string `json:"key_id"`
	Signature string `json:"signature"`
}

// MarshalJSON writes the JSON form described on Checkpoint.
func (c Checkpoint) MarshalJSON() ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	if c.Signature == nil {
		return nil, fmt.Errorf("%w: checkpoint at record %d is not signed", ErrInvalid, c.Seq)
	}
	return json.Marshal(checkpointJSON{
		Format:    CheckpointVersion,
		Seq:       c.Seq,
		Hash:      c.Hash,
		At:        c.At.UTC().Format(checkpointTime),
		KeyID:     c.KeyID,
		Signature: base64.StdEncoding.EncodeToString(c.Signature),
	})
}

// UnmarshalJSON reads the JSON form strictly: unknown fields, another format or a malformed
// value are refused. It does not check the signature; Check or Verify does.
func (c *Checkpoint) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var j checkpointJSON
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("%w: checkpoint: %w", ErrInvalid, err)
	}
	if j.Format != CheckpointVersion {
		return fmt.Errorf("%w: checkpoint format %q: want %q", ErrInvalid, j.Format, CheckpointVersion)
	}
	at, err := time.Parse(checkpointTime, j.At)
	if err != nil {
		return fmt.Errorf("%w: checkpoint time %q: want %s", ErrInvalid, j.At, checkpointTime)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(j.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: checkpoint signature: want base64 of %d bytes", ErrInvalid, ed25519.SignatureSize)
	}
	out := Checkpoint{Seq: j.Seq, Hash: j.Hash, At: at, KeyID: j.KeyID, Signature: sig}
	if err := out.validate(); err != nil {
		return err
	}
	*c = out
	return nil
}

// ParseCheckpoints reads a checkpoint file: one JSON checkpoint, or a JSON array of them.
func ParseCheckpoints(data []byte) ([]Checkpoint, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var cs []Checkpoint
		if err := json.Unmarshal(data, &cs); err != nil {
			return nil, wrapInvalid(err)
		}
		return cs, nil
	}
	var c Checkpoint
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, wrapInvalid(err)
	}
	return []Checkpoint{c}, nil
}

func wrapInvalid(err error) error {
	if errors.Is(err, ErrInvalid) {
		return err
	}
	return fmt.Errorf("%w: checkpoint file: %w", ErrInvalid, err)
}
