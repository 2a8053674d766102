package evidence

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPutStoresContentUnderItsHashAndGetReturnsIt(t *testing.T) {
	s := openStore(t, Limits{})
	content := testJPEG(t)
	b, err := s.Put(t.Context(), bytes.NewReader(content), "现场照片.jpg")
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	sha := hashOf(content)
	want := Blob{SHA256: sha, Size: int64(len(content)), MIME: "image/jpeg", Kind: Photo, Name: "现场照片.jpg"}
	if b != want {
		t.Fatalf("Put = %+v, want %+v", b, want)
	}
	if got := files(t, s.dir); !slices.Equal(got, []string{filepath.Join("sha256", sha[:2], sha[2:4], sha)}) {
		t.Fatalf("files in store = %v", got)
	}
	r, err := s.Get(t.Context(), sha)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("Get read %d bytes (err %v), want the %d put", len(got), err, len(content))
	}
	if err := s.Check(t.Context(), sha); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func TestPuttingTheSameContentTwiceIsANoOp(t *testing.T) {
	s := openStore(t, Limits{})
	content := testJPEG(t)
	b1, err := s.Put(t.Context(), bytes.NewReader(content), "a.jpg")
	if err != nil {
		t.Fatalf("Put 1: %v", err)
	}
	path := s.path(b1.SHA256)
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, past, past); err != nil {
		t.Fatal(err)
	}
	b2, err := s.Put(t.Context(), bytes.NewReader(content), "b.jpg")
	if err != nil {
		t.Fatalf("Put 2: %v", err)
	}
	if b2.Name != "b.jpg" {
		t.Fatalf("second Put names %q, want its own declared name", b2.Name)
	}
	b2.Name = b1.Name
	if b1 != b2 {
		t.Fatalf("second Put = %+v, want %+v", b2, b1)
	}
	if info, err := os.Stat(path); err != nil || !info.ModTime().Equal(past) {
		t.Fatalf("the stored file was rewritten (stat %v, %v)", info, err)
	}
	if got := files(t, s.dir); len(got) != 1 {
		t.Fatalf("files in store = %v, want the one blob", got)
	}
}

func TestTypeComesFromTheContentNeverTheName(t *testing.T) {
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 200)...)
	pe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 200)...)
	html := []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for _, c := range []struct {
		name, declared string
		content        []byte
		want           error
		mime           string
	}{
		{"ELF executable named .jpg", "photo.jpg", elf, ErrUnsupported, ""},
		{"Windows executable named .jpg", "photo.jpg", pe, ErrUnsupported, ""},
		{"HTML named .jpg", "photo.jpg", html, ErrUnsupported, ""},
		{"HTML named .html", "page.html", html, ErrUnsupported, ""},
		{"SVG named .png", "x.png", svg, ErrUnsupported, ""},
		{"shell script named .pdf", "a.pdf", []byte("#!/bin/sh\nrm -rf /\n"), ErrUnsupported, ""},
		{"plain text named .docx", "a.docx", []byte("就是一段文字"), ErrUnsupported, ""},
		{"empty file", "a.jpg", nil, ErrInvalid, ""},
		{"PNG named .pdf is a PNG", "a.pdf", png, nil, "image/png"},
		{"JPEG named .exe is a JPEG", "a.exe", testJPEG(t), nil, "image/jpeg"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openStore(t, Limits{})
			b, err := s.Put(t.Context(), bytes.NewReader(c.content), c.declared)
			if !errors.Is(err, c.want) {
				t.Fatalf("Put = %+v, %v; want %v", b, err, c.want)
			}
			if b.MIME != c.mime || (err == nil && b.Name != c.declared) {
				t.Fatalf("Put = %+v, want MIME %q and the declared name", b, c.mime)
			}
			if err != nil {
				if got := files(t, s.dir); len(got) != 0 {
					t.Fatalf("refused upload left files: %v", got)
				}
			}
		})
	}
}

func TestSizeLimitIsTheSniffedKindsAndARefusalLeavesNothing(t *testing.T) {
	s := openStore(t, Limits{Photo: 4096, Document: 64 * 1024})
	big := append(testJPEG(t), make([]byte, 8192)...)
	_, err := s.Put(t.Context(), bytes.NewReader(big), "small.pdf")
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Put of a %d-byte JPEG under a 4096-byte photo limit = %v, want ErrTooLarge", len(big), err)
	}
	if got := files(t, s.dir); len(got) != 0 {
		t.Fatalf("refused upload left files: %v", got)
	}
	// The same size as a PDF is under the document limit.
	pdf := append([]byte("%PDF-1.7\n"), make([]byte, 8192)...)
	if _, err := s.Put(t.Context(), bytes.NewReader(pdf), "big.jpg"); err != nil {
		t.Fatalf("Put of a %d-byte PDF: %v", len(pdf), err)
	}
	// Exactly at the limit is allowed.
	exact := append(testJPEG(t), make([]byte, 4096)...)[:4096]
	if _, err := s.Put(t.Context(), bytes.NewReader(exact), ""); err != nil {
		t.Fatalf("Put of a photo of exactly the limit: %v", err)
	}
}

func TestDefaultLimits(t *testing.T) {
	s := openStore(t, Limits{Video: 1 * MiB})
	want := Limits{Photo: 20 * MiB, Video: 1 * MiB, Audio: 50 * MiB, Document: 20 * MiB}
	if s.Limits() != want {
		t.Fatalf("Limits = %+v, want %+v", s.Limits(), want)
	}
	if _, err := Open(t.TempDir(), Limits{Audio: -1}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Open with a negative limit = %v, want ErrInvalid", err)
	}
}

// gatedReader hands out its content in two halves and waits for a signal in between.
type gatedReader struct {
	first, second []byte
	reached, gate chan struct{}
	err           error // returned instead of the second half, when set
	paused        bool  // touched only by the reading goroutine
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if len(g.first) > 0 {
		n := copy(p, g.first)
		g.first = g.first[n:]
		return n, nil
	}
	if g.reached != nil && !g.paused {
		g.paused = true
		close(g.reached)
		<-g.gate
	}
	if g.err != nil {
		return 0, g.err
	}
	if len(g.second) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.second)
	g.second = g.second[n:]
	return n, nil
}

func TestAnUploadInProgressIsNeverUnderItsFinalName(t *testing.T) {
	s := openStore(t, Limits{})
	content := append(testJPEG(t), bytes.Repeat([]byte{0xAB}, 256*1024)...)
	g := &gatedReader{first: content[:128*1024], second: content[128*1024:],
		reached: make(chan struct{}), gate: make(chan struct{})}
	type result struct {
		b   Blob
		err error
	}
	done := make(chan result)
	go func() {
		b, err := s.Put(context.Background(), g, "x.jpg")
		done <- result{b, err}
	}()
	<-g.reached
	// Half written: the partial file exists only in tmp.
	got := files(t, s.dir)
	if len(got) != 1 || !strings.HasPrefix(got[0], "tmp"+string(filepath.Separator)) {
		t.Fatalf("mid-upload files = %v, want one temp file under tmp/", got)
	}
	if _, err := os.Stat(s.path(hashOf(content))); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("final name exists mid-upload: %v", err)
	}
	close(g.gate)
	r := <-done
	if r.err != nil {
		t.Fatalf("Put: %v", r.err)
	}
	if err := s.Check(t.Context(), r.b.SHA256); err != nil || r.b.SHA256 != hashOf(content) {
		t.Fatalf("after the upload: Check %v, hash %s", err, r.b.SHA256)
	}
}

func TestABrokenUploadLeavesNothing(t *testing.T) {
	s := openStore(t, Limits{})
	content := append(testJPEG(t), make([]byte, 64*1024)...)
	broken := errors.New("connection reset")
	g := &gatedReader{first: content[:32*1024], err: broken}
	if _, err := s.Put(t.Context(), g, "x.jpg"); !errors.Is(err, broken) {
		t.Fatalf("Put = %v, want the reader's error", err)
	}
	if got := files(t, s.dir); len(got) != 0 {
		t.Fatalf("broken upload left files: %v", got)
	}
}

func TestACancelledUploadLeavesNothing(t *testing.T) {
	s := openStore(t, Limits{})
	ctx, cancel := context.WithCancel(t.Context())
	content := append(testJPEG(t), make([]byte, 64*1024)...)
	g := &gatedReader{first: content[:32*1024], second: content[32*1024:],
		reached: make(chan struct{}), gate: make(chan struct{})}
	go func() { <-g.reached; cancel(); close(g.gate) }()
	if _, err := s.Put(ctx, g, "x.jpg"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put = %v, want context.Canceled", err)
	}
	if got := files(t, s.dir); len(got) != 0 {
		t.Fatalf("cancelled upload left files: %v", got)
	}
}

func TestOpenRemovesOnlyStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, Limits{}); err != nil {
		t.Fatal(err)
	}
	stale, fresh := filepath.Join(dir, "tmp", "put-1"), filepath.Join(dir, "tmp", "put-2")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleTemp)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Limits{}); err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale temp file still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatalf("fresh temp file (an upload in progress) removed: %v", err)
	}
}

// put stores content and returns its hash.
func put(tb testing.TB, s *Store, content []byte) string {
	tb.Helper()
	b, err := s.Put(tb.Context(), bytes.NewReader(content), "")
	if err != nil {
		tb.Fatalf("Put: %v", err)
	}
	return b.SHA256
}

// overwrite replaces a stored blob's content, as someone with disk access could.
func overwrite(tb testing.TB, path string, content []byte) {
	tb.Helper()
	if err := os.Chmod(path, 0o640); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, content, 0o640); err != nil {
		tb.Fatal(err)
	}
}

func TestCheckFindsMissingAndAlteredBlobs(t *testing.T) {
	content := testJPEG(t)
	for _, c := range []struct {
		name   string
		damage func(t *testing.T, path string)
		want   error
	}{
		{"intact", func(*testing.T, string) {}, nil},
		{"deleted", func(t *testing.T, p string) {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}, ErrMissing},
		{"one byte changed", func(t *testing.T, p string) {
			c := bytes.Clone(content)
			c[len(c)/2] ^= 1
			overwrite(t, p, c)
		}, ErrAltered},
		{"truncated", func(t *testing.T, p string) { overwrite(t, p, content[:len(content)-1]) }, ErrAltered},
		{"emptied", func(t *testing.T, p string) { overwrite(t, p, nil) }, ErrAltered},
		{"appended to", func(t *testing.T, p string) { overwrite(t, p, append(bytes.Clone(content), 0)) }, ErrAltered},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openStore(t, Limits{})
			sha := put(t, s, content)
			c.damage(t, s.path(sha))
			err := s.Check(t.Context(), sha)
			if !errors.Is(err, c.want) {
				t.Fatalf("Check = %v, want %v", err, c.want)
			}
			var be *BlobError
			if c.want != nil && (!errors.As(err, &be) || be.SHA256 != sha) {
				t.Fatalf("Check error %v does not name blob %s", err, sha)
			}
		})
	}
}

func TestCheckRefusesAMalformedHash(t *testing.T) {
	s := openStore(t, Limits{})
	for _, sha := range []string{"", "abc", strings.Repeat("A", 64), "../../../../etc/passwd", strings.Repeat("0", 63) + "g"} {
		if err := s.Check(t.Context(), sha); !errors.Is(err, ErrInvalid) {
			t.Errorf("Check(%q) = %v, want ErrInvalid", sha, err)
		}
	}
}

func TestGetOfAMissingBlobIsErrMissing(t *testing.T) {
	s := openStore(t, Limits{})
	if _, err := s.Get(t.Context(), strings.Repeat("ab", 32)); !errors.Is(err, ErrMissing) {
		t.Fatalf("Get = %v, want ErrMissing", err)
	}
}

func TestCheckAllNamesTheFirstBadBlob(t *testing.T) {
	s := openStore(t, Limits{})
	var shas []string
	for i := range 4 {
		shas = append(shas, put(t, s, append(testJPEG(t), byte(i))))
	}
	if n, err := s.CheckAll(t.Context(), slices.Values(shas)); n != 4 || err != nil {
		t.Fatalf("CheckAll(sound) = %d, %v", n, err)
	}
	if err := os.Remove(s.path(shas[3])); err != nil {
		t.Fatal(err)
	}
	overwrite(t, s.path(shas[1]), []byte("tampered"))
	n, err := s.CheckAll(t.Context(), slices.Values(shas))
	var be *BlobError
	if n != 1 || !errors.Is(err, ErrAltered) || !errors.As(err, &be) || be.SHA256 != shas[1] {
		t.Fatalf("CheckAll = %d, %v; want 1 and blob %s altered", n, err, shas[1])
	}
}

func TestDescribeRederivesTheBlobFromItsContent(t *testing.T) {
	s := openStore(t, Limits{})
	b, err := s.Put(t.Context(), bytes.NewReader(testJPEG(t, exifAPP1(photoTIFF(bigEndian)))), "x.jpg")
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	d, err := s.Describe(t.Context(), b.SHA256)
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if d.Name != "" || d.SHA256 != b.SHA256 || d.Size != b.Size || d.MIME != b.MIME || d.Kind != b.Kind ||
		d.CapturedAt == nil || !d.CapturedAt.Equal(*b.CapturedAt) || d.GPS == nil || *d.GPS != *b.GPS {
		t.Fatalf("Describe = %+v, want %+v without the name", d, b)
	}
}
