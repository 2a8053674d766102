package evidence

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// photo5MiB is a 5 MiB JPEG with EXIF, the size of a typical phone photo: a real JPEG
// head and incompressible bytes after it.
func photo5MiB(b *testing.B) []byte {
	p := testJPEG(b, exifAPP1(photoTIFF(littleEndian)))
	tail := make([]byte, 5*MiB-len(p))
	r := rand.NewChaCha8([32]byte{1})
	_, _ = r.Read(tail)
	return append(p, tail...)
}

// Each iteration stores new content (the last 8 bytes count up), so every Put writes,
// fsyncs and renames a file.
func BenchmarkPut5MiBPhoto(b *testing.B) {
	s := openStore(b, Limits{})
	p := photo5MiB(b)
	b.SetBytes(int64(len(p)))
	var i uint64
	for b.Loop() {
		i++
		binary.BigEndian.PutUint64(p[len(p)-8:], i)
		blob, err := s.Put(b.Context(), bytes.NewReader(p), "p.jpg")
		if err != nil || blob.CapturedAt == nil {
			b.Fatalf("Put = %+v, %v", blob, err)
		}
	}
}

// The same content again: hashing and the temp file, but no rename.
func BenchmarkPut5MiBPhotoAgain(b *testing.B) {
	s := openStore(b, Limits{})
	p := photo5MiB(b)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := s.Put(b.Context(), bytes.NewReader(p), "p.jpg"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck5MiB(b *testing.B) {
	s := openStore(b, Limits{})
	p := photo5MiB(b)
	sha := put(b, s, p)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if err := s.Check(b.Context(), sha); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseEXIF(b *testing.B) {
	t := photoTIFF(littleEndian)
	for b.Loop() {
		if m, err := parseEXIF(t); err != nil || m.GPS == nil {
			b.Fatal(err)
		}
	}
}
