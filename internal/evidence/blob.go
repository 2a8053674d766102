package evidence

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors; every error this package returns for an expected failure wraps one.
var (
	ErrInvalid     = errors.New("evidence: invalid")
	ErrUnsupported = errors.New("evidence: unsupported type")
	ErrTooLarge    = errors.New("evidence: too large")
	ErrMissing     = errors.New("evidence: blob missing")
	ErrAltered     = errors.New("evidence: blob altered")
)

// Kind is the class of evidence a blob is; it decides the size limit.
type Kind string

// The accepted kinds.
const (
	Photo    Kind = "photo"
	Video    Kind = "video"
	Audio    Kind = "audio"
	Document Kind = "document"
)

// Point is a position in decimal degrees, as EXIF writes it (WGS-84).
type Point struct {
	Lat, Lon float64
}

// Blob describes one stored file. Everything but Name is derived from the content.
type Blob struct {
	SHA256 string // 64 lowercase hex characters
	Size   int64
	MIME   string
	Kind   Kind
	// Name is the file name the uploader declared; metadata only, never used for the type.
	Name string
	// CapturedAt is EXIF DateTimeOriginal, when the photo has it.
	CapturedAt *time.Time
	// GPS is the EXIF position, when the photo has one.
	GPS *Point
}

// BlobError reports a stored blob that failed a check; it unwraps to ErrMissing or
// ErrAltered.
type BlobError struct {
	SHA256 string
	Err    error
	Detail string // why, for logs
}

func (e *BlobError) Error() string {
	msg := fmt.Sprintf("%v: %s", e.Err, e.SHA256)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

func (e *BlobError) Unwrap() error { return e.Err }

// MiB is 1<<20 bytes, for writing limits.
const MiB = 1 << 20

// Limits are the largest sizes accepted per kind, in bytes. A zero field takes its default.
type Limits struct {
	Photo, Video, Audio, Document int64
}

// DefaultLimits are the limits a zero Limits field stands for.
var DefaultLimits = Limits{Photo: 20 * MiB, Video: 500 * MiB, Audio: 50 * MiB, Document: 20 * MiB}

// withDefaults fills zero fields and refuses negative ones.
func (l Limits) withDefaults() (Limits, error) {
	for _, f := range []struct {
		v   *int64
		def int64
		k   Kind
	}{{&l.Photo, DefaultLimits.Photo, Photo}, {&l.Video, DefaultLimits.Video, Video},
		{&l.Audio, DefaultLimits.Audio, Audio}, {&l.Document, DefaultLimits.Document, Document}} {
		switch {
		case *f.v < 0:
			return Limits{}, fmt.Errorf("%w: %s limit %d", ErrInvalid, f.k, *f.v)
		case *f.v == 0:
			*f.v = f.def
		}
	}
	return l, nil
}

func (l Limits) of(k Kind) int64 {
	switch k {
	case Photo:
		return l.Photo
	case Video:
		return l.Video
	case Audio:
		return l.Audio
	default:
		return l.Document
	}
}

// ValidSHA256 reports whether s is a hash as this package writes it: 64 lowercase hex.
func ValidSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
