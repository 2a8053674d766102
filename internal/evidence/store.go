package evidence

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"time"
)

// staleTemp is how old a file in tmp must be before Open removes it as a crash leftover;
// long enough that no upload still running can own it.
const staleTemp = time.Hour

// Store is a directory of content-addressed blobs. It is safe for concurrent use, also by
// several processes sharing the directory: every write is a rename of a complete file.
type Store struct {
	dir    string
	limits Limits
}

// Open opens the store in dir, creating it if needed, and removes stale temp files. Zero
// fields of limits take DefaultLimits.
func Open(dir string, limits Limits) (*Store, error) {
	l, err := limits.withDefaults()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, fmt.Errorf("%w: empty directory", ErrInvalid)
	}
	s := &Store{dir: dir, limits: l}
	for _, d := range []string{s.tmpDir(), filepath.Join(dir, "sha256")} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("evidence: open: %w", err)
		}
	}
	if err := s.removeStaleTemps(time.Now().Add(-staleTemp)); err != nil {
		return nil, err
	}
	return s, nil
}

// Limits reports the limits in force, defaults filled in.
func (s *Store) Limits() Limits { return s.limits }

func (s *Store) tmpDir() string { return filepath.Join(s.dir, "tmp") }

// path is where the blob with hash sha lives; sha must be valid.
func (s *Store) path(sha string) string {
	return filepath.Join(s.dir, "sha256", sha[:2], sha[2:4], sha)
}

func (s *Store) removeStaleTemps(before time.Time) error {
	es, err := os.ReadDir(s.tmpDir())
	if err != nil {
		return fmt.Errorf("evidence: open: %w", err)
	}
	for _, e := range es {
		if info, err := e.Info(); err == nil && info.ModTime().Before(before) {
			if err := os.Remove(filepath.Join(s.tmpDir(), e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("evidence: remove stale temp file: %w", err)
			}
		}
	}
	return nil
}

// Put stores the content of r and describes it. The content streams to a temp file while
// it is hashed, so memory use does not grow with its size. It answers ErrUnsupported for a
// type not accepted (see the package documentation), ErrTooLarge past the limit of its
// kind and ErrInvalid for empty content; on any error nothing is left behind. Content
// already stored is not written again: the Blob is the same, but for Name.
func (s *Store) Put(ctx context.Context, r io.Reader, declaredName string) (Blob, error) {
	if err := ctx.Err(); err != nil {
		return Blob{}, err
	}
	br := bufio.NewReaderSize(r, sniffLen)
	head, err := br.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) {
		return Blob{}, fmt.Errorf("evidence: read: %w", err)
	}
	if len(head) == 0 {
		return Blob{}, fmt.Errorf("%w: empty file", ErrInvalid)
	}
	mime, kind, err := sniff(head)
	if err != nil {
		return Blob{}, err
	}

	tmp, err := os.CreateTemp(s.tmpDir(), "put-*")
	if err != nil {
		return Blob{}, fmt.Errorf("evidence: put: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()

	limit := s.limits.of(kind)
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), &ctxReader{ctx: ctx, r: io.LimitReader(br, limit+1)})
	if err != nil {
		return Blob{}, fmt.Errorf("evidence: put: %w", err)
	}
	if n > limit {
		return Blob{}, fmt.Errorf("%w: %s over %d bytes", ErrTooLarge, kind, limit)
	}
	b := Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n, MIME: mime, Kind: kind, Name: declaredName}
	if err := describe(&b, tmp); err != nil {
		return Blob{}, err
	}
	final := s.path(b.SHA256)
	if _, err := os.Lstat(final); err == nil {
		// Already stored: the temp file goes without an fsync. Check is what tells whether
		// the stored copy is still intact.
		return b, nil
	}
	if err := tmp.Chmod(0o440); err != nil {
		return Blob{}, fmt.Errorf("evidence: put: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return Blob{}, fmt.Errorf("evidence: put: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Blob{}, fmt.Errorf("evidence: put: %w", err)
	}
	if err := s.mkdirs(filepath.Dir(final)); err != nil {
		return Blob{}, err
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return Blob{}, fmt.Errorf("evidence: put: %w", err)
	}
	done = true
	if err := syncDir(filepath.Dir(final)); err != nil {
		return Blob{}, err
	}
	return b, nil
}

// describe fills in what only the whole file tells: the type of a zip archive and the EXIF
// of a JPEG.
func describe(b *Blob, f *os.File) error {
	switch b.MIME {
	case mimeZip:
		m, err := zipType(f, b.Size)
		if err != nil {
			return err
		}
		b.MIME = m
	case "image/jpeg":
		if t, err := jpegEXIF(f, b.Size); err == nil {
			if meta, err := parseEXIF(t); err == nil {
				b.CapturedAt, b.GPS = meta.CapturedAt, meta.GPS
			}
		}
	}
	return nil
}

// mkdirs creates the fan-out directories down to dir, syncing each parent that gains an
// entry so that the new directory survives a crash.
func (s *Store) mkdirs(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := s.mkdirs(parent); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("evidence: put: %w", err)
	}
	return syncDir(parent)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("evidence: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("evidence: sync %s: %w", dir, err)
	}
	return nil
}

// Get opens a stored blob for reading. It does not re-hash (Check does); the reader can
// seek, so that video can be served with range requests. A blob not on disk is ErrMissing.
func (s *Store) Get(ctx context.Context, sha string) (io.ReadSeekCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !ValidSHA256(sha) {
		return nil, fmt.Errorf("%w: hash %q", ErrInvalid, sha)
	}
	f, err := os.Open(s.path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &BlobError{SHA256: sha, Err: ErrMissing}
	}
	if err != nil {
		return nil, fmt.Errorf("evidence: get: %w", err)
	}
	return f, nil
}

// Describe re-derives a stored blob's description from its content (Name stays empty),
// without re-hashing it.
func (s *Store) Describe(ctx context.Context, sha string) (Blob, error) {
	r, err := s.Get(ctx, sha)
	if err != nil {
		return Blob{}, err
	}
	f := r.(*os.File)
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Blob{}, fmt.Errorf("evidence: describe: %w", err)
	}
	head := make([]byte, min(sniffLen, info.Size()))
	if _, err := io.ReadFull(f, head); err != nil {
		return Blob{}, fmt.Errorf("evidence: describe: %w", err)
	}
	mime, kind, err := sniff(head)
	if err != nil {
		return Blob{}, err
	}
	b := Blob{SHA256: sha, Size: info.Size(), MIME: mime, Kind: kind}
	return b, describe(&b, f)
}

// Check re-hashes a stored blob: a *BlobError wrapping ErrMissing when it is not on disk,
// ErrAltered when its content no longer has its hash.
func (s *Store) Check(ctx context.Context, sha string) error {
	r, err := s.Get(ctx, sha)
	if err != nil {
		return err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, &ctxReader{ctx: ctx, r: r}); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("evidence: check %s: %w", sha, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return &BlobError{SHA256: sha, Err: ErrAltered, Detail: "content hashes to " + got}
	}
	return nil
}

// CheckAll checks blobs in order and stops at the first that is missing or altered, which
// its error names (a *BlobError). It reports how many blobs passed before it; the ledger's
// verify feeds it the evidence hashes of the records it reads.
func (s *Store) CheckAll(ctx context.Context, shas iter.Seq[string]) (int, error) {
	n := 0
	for sha := range shas {
		if err := s.Check(ctx, sha); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// ctxReader stops a long copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
