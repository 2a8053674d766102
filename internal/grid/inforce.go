package grid

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// inForce caches what a service built from the version in force of something versioned (unit
// grids, responsibility areas): the version V and what was built from it, X (an index). It is
// built once and kept until a newer version is seen: at once when this node imports one
// (put), within ttl of an import on another node (get asks the store again after ttl).
type inForce[V, X any] struct {
	ttl time.Duration
	id  func(V) int64

	cur atomic.Pointer[snapshot[V, X]] // nil until first loaded
	mu  sync.Mutex                     // one reload at a time
}

// The errors get passes on even with a version cached.
var (
	errNoVersion  = errors.New("grid: nothing imported")
	errBadVersion = errors.New("grid: stored version does not match its ledger record")
)

type snapshot[V, X any] struct {
	v       V
	x       X
	checkAt time.Time // when to ask the store again for a newer version
}

// get returns the cached X and V, reloading when they are older than ttl: latest reads the
// newest version, load builds X from it. An error of latest or load keeps what is cached, so
// a failed re-check does not take the version in force offline; the next caller tries again.
// With nothing cached the error is returned as it is, and so is an error that wraps
// errNoVersion (nothing imported) or errBadVersion (stored rows that do not match their
// ledger record): those must not be hidden behind an older version.
func (f *inForce[V, X]) get(ctx context.Context, now time.Time, latest func(context.Context) (V, error),
	load func(context.Context, V) (X, error)) (X, V, error) {
	if c := f.cur.Load(); c != nil && now.Before(c.checkAt) {
		return c.x, c.v, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.cur.Load()
	if c != nil && now.Before(c.checkAt) {
		return c.x, c.v, nil // another caller reloaded while this one waited
	}
	var zx X
	var zv V
	v, err := latest(ctx)
	if err != nil {
		if c != nil && !errors.Is(err, errNoVersion) {
			return c.x, c.v, nil
		}
		return zx, zv, err
	}
	if c != nil && f.id(c.v) == f.id(v) {
		f.cur.Store(&snapshot[V, X]{v: c.v, x: c.x, checkAt: now.Add(f.ttl)})
		return c.x, c.v, nil
	}
	x, err := load(ctx, v)
	if err != nil {
		if c != nil && !errors.Is(err, errBadVersion) {
			return c.x, c.v, nil
		}
		return zx, zv, err
	}
	f.cur.Store(&snapshot[V, X]{v: v, x: x, checkAt: now.Add(f.ttl)})
	return x, v, nil
}

// put makes v, built into x, the version in force on this node unless a newer one already is.
func (f *inForce[V, X]) put(v V, x X, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.cur.Load(); c == nil || f.id(c.v) < f.id(v) {
		f.cur.Store(&snapshot[V, X]{v: v, x: x, checkAt: now.Add(f.ttl)})
	}
}
